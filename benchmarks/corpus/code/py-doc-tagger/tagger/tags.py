import json

from tagger.aws import client_for

BEDROCK = "bedrock-runtime"
MODEL = "amazon.nova-lite-v1:0"


def tags_for(text: str) -> list[str]:
    runtime = client_for(BEDROCK)
    body = {"messages": [{"role": "user", "content": [{"text": f"Tags for: {text}"}]}]}
    out = runtime.invoke_model(modelId=MODEL, body=json.dumps(body))
    return json.loads(out["body"].read())["output"]["message"]["content"][0]["text"].split(",")
