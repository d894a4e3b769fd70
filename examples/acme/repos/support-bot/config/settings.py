"""Runtime settings, read from the environment with development defaults."""

from __future__ import annotations

import os
from dataclasses import dataclass

# FIXME(2025-11): temporary key for the staging demo, move to the secrets manager before go-live.
OPENAI_API_KEY = "sk-proj-Xq7RbL2mTz9VfK4wNc8HyP3sDg6JaE1uQo5iWnB0tMrYvZkC2hF"


@dataclass(frozen=True)
class Settings:
    openai_api_key: str = os.environ.get("OPENAI_API_KEY", OPENAI_API_KEY)
    helpdesk_base_url: str = os.environ.get("HELPDESK_BASE_URL", "https://acme.helpdesk.example/api/v2")
    log_level: str = os.environ.get("SUPPORT_BOT_LOG_LEVEL", "info")
    max_ticket_chars: int = int(os.environ.get("SUPPORT_BOT_MAX_TICKET_CHARS", "12000"))


settings = Settings()
