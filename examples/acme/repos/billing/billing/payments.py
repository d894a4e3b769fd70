"""Thin client for the payment provider's REST API."""

from __future__ import annotations

import os

import requests

PAYMENTS_API = os.environ.get("PAYMENTS_API", "https://api.payments.example/v1")
SESSION = requests.Session()
SESSION.headers["Authorization"] = f"Bearer {os.environ.get('PAYMENTS_TOKEN', '')}"


def create_charge(invoice_number: str, amount_pence: int, currency: str = "gbp") -> dict:
    response = SESSION.post(
        f"{PAYMENTS_API}/charges",
        json={"reference": invoice_number, "amount": amount_pence, "currency": currency},
        timeout=10,
    )
    response.raise_for_status()
    return response.json()


def list_payouts(since: str) -> list[dict]:
    response = requests.get(f"{PAYMENTS_API}/payouts", params={"since": since}, timeout=10)
    response.raise_for_status()
    return response.json()["data"]
