"""Ask a Bedrock-hosted model for a short reason code when an account's churn score jumps."""

from __future__ import annotations

import json

import boto3

bedrock = boto3.client("bedrock-runtime", region_name="eu-west-1")

PROMPT = (
    "An account's churn-risk score moved from {old:.2f} to {new:.2f}. The changed features are: "
    "{features}. Give one short reason code an account manager would understand."
)


def reason_code(old: float, new: float, features: dict[str, float]) -> str:
    body = {
        "anthropic_version": "bedrock-2023-05-31",
        "max_tokens": 60,
        "messages": [{"role": "user", "content": PROMPT.format(old=old, new=new, features=json.dumps(features))}],
    }
    response = bedrock.invoke_model(
        modelId="anthropic.claude-3-haiku-20240307-v1:0",
        contentType="application/json",
        accept="application/json",
        body=json.dumps(body),
    )
    payload = json.loads(response["body"].read())
    return payload["content"][0]["text"].strip()


def main() -> None:
    print(reason_code(0.21, 0.64, {"logins_30d": -0.8, "open_tickets": 3.0}))


if __name__ == "__main__":
    main()
