"""What a model call costs: USD per million input/output tokens for each vendor's current models.

Prices are the vendors' published standard rates (no batch, cache or long-context tiers); keep
this table in step with their pricing pages when models come and go.

`cost_usd` never raises: a model the table does not know (a fine-tune, a local model, a model
released after this table) costs `None`, which the UI shows as "unknown", not as free.
Dated snapshots (`claude-sonnet-4-5-20250929`, `gpt-4o-2024-08-06`) and `-latest` aliases are
priced as their family.
"""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class ModelPrice:
    id: str
    label: str
    input_usd_per_mtok: float
    output_usd_per_mtok: float


PRICES: dict[str, tuple[ModelPrice, ...]] = {
    "anthropic": (
        ModelPrice("claude-opus-4-6", "Claude Opus 4.6", 5.0, 25.0),
        ModelPrice("claude-sonnet-4-6", "Claude Sonnet 4.6", 3.0, 15.0),
        ModelPrice("claude-opus-4-5", "Claude Opus 4.5", 5.0, 25.0),
        ModelPrice("claude-sonnet-4-5", "Claude Sonnet 4.5", 3.0, 15.0),
        ModelPrice("claude-haiku-4-5", "Claude Haiku 4.5", 1.0, 5.0),
        ModelPrice("claude-opus-4-1", "Claude Opus 4.1", 15.0, 75.0),
        ModelPrice("claude-opus-4", "Claude Opus 4", 15.0, 75.0),
        ModelPrice("claude-sonnet-4", "Claude Sonnet 4", 3.0, 15.0),
        ModelPrice("claude-3-7-sonnet", "Claude Sonnet 3.7", 3.0, 15.0),
        ModelPrice("claude-3-5-haiku", "Claude Haiku 3.5", 0.8, 4.0),
    ),
    "openai": (
        ModelPrice("gpt-5.1", "GPT-5.1", 1.25, 10.0),
        ModelPrice("gpt-5", "GPT-5", 1.25, 10.0),
        ModelPrice("gpt-5-mini", "GPT-5 mini", 0.25, 2.0),
        ModelPrice("gpt-5-nano", "GPT-5 nano", 0.05, 0.4),
        ModelPrice("gpt-4.1", "GPT-4.1", 2.0, 8.0),
        ModelPrice("gpt-4.1-mini", "GPT-4.1 mini", 0.4, 1.6),
        ModelPrice("gpt-4.1-nano", "GPT-4.1 nano", 0.1, 0.4),
        ModelPrice("gpt-4o", "GPT-4o", 2.5, 10.0),
        ModelPrice("gpt-4o-mini", "GPT-4o mini", 0.15, 0.6),
        ModelPrice("o3", "o3", 2.0, 8.0),
        ModelPrice("o4-mini", "o4-mini", 1.1, 4.4),
    ),
    "google": (
        ModelPrice("gemini-3-pro-preview", "Gemini 3 Pro (preview)", 2.0, 12.0),
        ModelPrice("gemini-3-flash-preview", "Gemini 3 Flash (preview)", 0.5, 3.0),
        ModelPrice("gemini-2.5-pro", "Gemini 2.5 Pro", 1.25, 10.0),
        ModelPrice("gemini-2.5-flash", "Gemini 2.5 Flash", 0.3, 2.5),
        ModelPrice("gemini-2.5-flash-lite", "Gemini 2.5 Flash-Lite", 0.1, 0.4),
        ModelPrice("gemini-2.0-flash", "Gemini 2.0 Flash", 0.1, 0.4),
    ),
    # Whatever the server runs: local models cost nothing we can know, hosted ones vary.
    "openai_compatible": (),
}

_BY_ID = {(provider, price.id): price for provider, prices in PRICES.items() for price in prices}
# -20250929, -2024-08-06 and -latest name a snapshot of the family before them.
_SNAPSHOT_SUFFIX = re.compile(r"-(\d{8}|\d{4}-\d{2}-\d{2}|latest)$")


def known_models(provider: str) -> tuple[ModelPrice, ...]:
    return PRICES.get(provider, ())


def find_price(provider: str, model: str) -> ModelPrice | None:
    """The price entry for `model` (or the family of a dated snapshot), if the table has one."""
    name = model.strip().lower().removeprefix("models/")
    price = _BY_ID.get((provider, name))
    if price is None:
        price = _BY_ID.get((provider, _SNAPSHOT_SUFFIX.sub("", name)))
    return price


def cost_usd(provider: str, model: str, input_tokens: int, output_tokens: int) -> float | None:
    """The USD cost of one call, or None when the model's price is unknown."""
    price = find_price(provider, model)
    if price is None:
        return None
    cost = (
        input_tokens * price.input_usd_per_mtok + output_tokens * price.output_usd_per_mtok
    ) / 1_000_000
    return round(cost, 8)
