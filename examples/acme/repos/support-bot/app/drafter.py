"""Draft a first reply to a support ticket with the OpenAI API."""

from __future__ import annotations

import os

from openai import OpenAI
from tenacity import retry, stop_after_attempt, wait_exponential

from app.prompts import SYSTEM_PROMPT

DRAFT_MODEL = "gpt-4o-mini"

client = OpenAI(api_key=os.environ.get("OPENAI_API_KEY"), organization=os.environ.get("OPENAI_ORG_ID"))


@retry(stop=stop_after_attempt(3), wait=wait_exponential(min=1, max=8))
def draft_reply(ticket_subject: str, ticket_body: str) -> str:
    response = client.chat.completions.create(
        model="gpt-4o-mini",
        temperature=0.2,
        max_tokens=400,
        messages=[
            {"role": "system", "content": SYSTEM_PROMPT},
            {"role": "user", "content": f"Subject: {ticket_subject}\n\n{ticket_body}"},
        ],
    )
    return response.choices[0].message.content or ""
