"""Escalation summaries for the tier-2 queue, through Acme's Azure OpenAI deployment."""

from __future__ import annotations

import os

from openai import AzureOpenAI

DEPLOYMENT = os.environ.get("AZURE_OPENAI_DEPLOYMENT", "support-escalation-gpt4o")

client = AzureOpenAI(
    azure_endpoint=os.environ.get("AZURE_OPENAI_ENDPOINT", "https://acme-support-oai.openai.azure.com"),
    api_key=os.environ.get("AZURE_OPENAI_API_KEY"),
    api_version="2024-10-21",
)


def summarise_for_escalation(thread: str) -> str:
    response = client.chat.completions.create(
        model=DEPLOYMENT,
        temperature=0,
        messages=[
            {"role": "system", "content": "Summarise this support thread for a tier-2 engineer in five bullets."},
            {"role": "user", "content": thread},
        ],
    )
    return response.choices[0].message.content or ""
