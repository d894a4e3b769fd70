import os

from openai import OpenAI

RESOURCE = os.environ["REVIEW_RESOURCE"]
client = OpenAI(
    base_url=f"https://{RESOURCE}.openai.azure.com/openai/v1/",
    api_key=os.environ["REVIEW_KEY"],
)


def review(text: str) -> str:
    out = client.chat.completions.create(model="contracts-gpt4o",
                                         messages=[{"role": "user", "content": text}])
    return out.choices[0].message.content
