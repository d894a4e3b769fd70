"""Token usage of a run and its estimated cost, from a dated price table kept as data.

`Usage` is shared by the drafting threads, so it counts under a lock. Prices
live in ``llm_prices.yaml`` beside this module; a model that is not listed
(a local server's, or a newer one) gets token counts but no cost estimate.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any

from discovery.yamlload import safe_load

PRICE_FILE = "llm_prices.yaml"
_SNAPSHOT_SUFFIX = re.compile(r"^-(\d{4}-\d{2}-\d{2}|\d{4}|latest|preview.*)$")


@dataclass(frozen=True)
class Price:
    model: str
    input_per_million: float
    output_per_million: float


@dataclass(frozen=True)
class PriceTable:
    as_of: str
    currency: str
    prices: dict[str, Price]

    def price_for(self, model: str) -> Price | None:
        """Exact name, else the longest listed name of which ``model`` is a dated snapshot."""
        name = model.strip().lower()
        if name in self.prices:
            return self.prices[name]
        for listed in sorted(self.prices, key=len, reverse=True):
            if name.startswith(listed) and _SNAPSHOT_SUFFIX.match(name[len(listed) :]):
                return self.prices[listed]
        return None


@lru_cache(maxsize=1)
def price_table() -> PriceTable:
    raw: dict[str, Any] = safe_load(resources.files("gap.drafting").joinpath(PRICE_FILE).read_text("utf-8"))
    prices = {
        str(name).lower(): Price(str(name), float(entry["input"]), float(entry["output"]))
        for name, entry in raw["per_million_tokens"].items()
    }
    return PriceTable(as_of=str(raw["as_of"]), currency=str(raw["currency"]), prices=prices)


class Usage:
    """Prompt and completion tokens over a run; thread-safe."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.calls = 0
        self.prompt_tokens = 0
        self.completion_tokens = 0
        #: Calls whose answer carried no usage figures (some local servers omit them).
        self.unmetered_calls = 0

    def record(self, message: Any) -> None:
        """Count one model call from its raw AIMessage (or None when the call gave no message)."""
        metadata = getattr(message, "usage_metadata", None) or {}
        prompt = int(metadata.get("input_tokens") or 0)
        completion = int(metadata.get("output_tokens") or 0)
        with self._lock:
            self.calls += 1
            self.prompt_tokens += prompt
            self.completion_tokens += completion
            if not metadata:
                self.unmetered_calls += 1

    def count_call(self) -> None:
        """A call that failed before any answer (HTTP error, timeout)."""
        with self._lock:
            self.calls += 1
            self.unmetered_calls += 1

    def estimated_cost(self, model: str, table: PriceTable | None = None) -> float | None:
        price = (table or price_table()).price_for(model)
        if price is None:
            return None
        return (self.prompt_tokens * price.input_per_million + self.completion_tokens * price.output_per_million) / 1e6

    def as_dict(self, model: str) -> dict[str, Any]:
        table = price_table()
        cost = self.estimated_cost(model, table)
        return {
            "calls": self.calls,
            "prompt_tokens": self.prompt_tokens,
            "completion_tokens": self.completion_tokens,
            "unmetered_calls": self.unmetered_calls,
            "estimated_cost": None if cost is None else round(cost, 6),
            "currency": table.currency if cost is not None else None,
            "prices_as_of": table.as_of if cost is not None else None,
        }
