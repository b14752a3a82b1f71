"""Token counts per call and their cost, from the dated price table in data/prices.json."""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass, fields
from typing import Any

from decomposer.resources import data_path

PRICES_FILE = "prices.json"
_PER_TOKEN = 1_000_000


@functools.lru_cache(maxsize=1)
def price_table() -> dict[str, Any]:
    table: dict[str, Any] = json.loads(data_path(PRICES_FILE).read_text(encoding="utf-8"))
    return table


@dataclass
class Usage:
    input_tokens: int = 0
    output_tokens: int = 0
    cache_read_input_tokens: int = 0
    cache_creation_input_tokens: int = 0

    @classmethod
    def from_api(cls, usage: Any) -> Usage:
        """From an SDK usage object (message_start or message_delta); missing counts are 0."""
        return cls(**{f.name: int(getattr(usage, f.name, 0) or 0) for f in fields(cls)})

    def merge_delta(self, usage: Any) -> None:
        """message_delta carries cumulative counts: take every count it reports."""
        for f in fields(self):
            value = getattr(usage, f.name, None)
            if value is not None:
                setattr(self, f.name, int(value))

    def __add__(self, other: Usage) -> Usage:
        return Usage(**{f.name: getattr(self, f.name) + getattr(other, f.name) for f in fields(self)})

    @property
    def total_tokens(self) -> int:
        return sum(getattr(self, f.name) for f in fields(self))

    def cost_usd(self, model: str) -> float | None:
        """The cost at list price, or None for a model the table does not know."""
        price = price_table()["models"].get(model)
        if price is None:
            return None
        cost: float = (
            self.input_tokens * price["input"]
            + self.output_tokens * price["output"]
            + self.cache_creation_input_tokens * price["cache_write"]
            + self.cache_read_input_tokens * price["cache_read"]
        ) / _PER_TOKEN
        return cost

    def to_source_usage(self, model: str) -> dict[str, int | float]:
        """The plan's ``source.usage`` object."""
        result: dict[str, int | float] = {f.name: getattr(self, f.name) for f in fields(self)}
        cost = self.cost_usd(model)
        if cost is not None:
            result["cost_usd"] = round(cost, 6)
        return result

    def describe(self, model: str) -> str:
        """ "12,034 in (8,000 cached) · 3,210 out · $0.0412" for a status line."""
        cached = self.cache_read_input_tokens
        parts = [
            f"{self.input_tokens + cached + self.cache_creation_input_tokens:,} in"
            + (f" ({cached:,} cached)" if cached else ""),
            f"{self.output_tokens:,} out",
        ]
        cost = self.cost_usd(model)
        parts.append(f"${cost:.4f}" if cost is not None else "cost unknown for this model")
        return " · ".join(parts)
