"""Client for the Gemini crypto exchange REST API (orders, balances)."""

import base64
import hashlib
import hmac
import json
import os
import time

import requests

BASE_URL = "https://api.gemini.com"
SANDBOX_URL = "https://api.sandbox.gemini.com"


class GeminiClient:
    def __init__(self, sandbox: bool = False):
        self.key = os.environ["GEMINI_API_KEY"]
        self.secret = os.environ["GEMINI_API_SECRET"].encode()
        self.base = SANDBOX_URL if sandbox else BASE_URL

    def _post(self, path: str, payload: dict) -> dict:
        payload = {"request": path, "nonce": str(int(time.time() * 1000)), **payload}
        encoded = base64.b64encode(json.dumps(payload).encode())
        signature = hmac.new(self.secret, encoded, hashlib.sha384).hexdigest()
        headers = {"X-GEMINI-APIKEY": self.key, "X-GEMINI-PAYLOAD": encoded.decode(),
                   "X-GEMINI-SIGNATURE": signature, "Content-Type": "text/plain"}
        return requests.post(self.base + path, headers=headers, timeout=10).json()

    def balances(self) -> list[dict]:
        return self._post("/v1/balances", {})

    def buy(self, symbol: str, amount: str, price: str) -> dict:
        return self._post("/v1/order/new", {"symbol": symbol, "amount": amount, "price": price,
                                            "side": "buy", "type": "exchange limit"})
