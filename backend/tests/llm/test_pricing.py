from __future__ import annotations

import pytest

from app.llm.pricing import PRICES, cost_usd


def test_cost_of_a_known_model_per_million_tokens() -> None:
    assert cost_usd("openai", "gpt-4o-mini", 1000, 500) == pytest.approx(0.00045)
    assert cost_usd("anthropic", "claude-sonnet-4-5", 1_000_000, 1_000_000) == 18.0
    assert cost_usd("google", "gemini-2.5-flash", 2_000_000, 0) == pytest.approx(0.6)


@pytest.mark.parametrize(
    ("provider", "model", "family"),
    [
        ("anthropic", "claude-sonnet-4-5-20250929", "claude-sonnet-4-5"),
        ("anthropic", "claude-3-5-haiku-latest", "claude-3-5-haiku"),
        ("openai", "gpt-4o-2024-08-06", "gpt-4o"),
        ("google", "models/gemini-2.5-pro", "gemini-2.5-pro"),
    ],
)
def test_dated_snapshots_and_aliases_cost_as_their_family(
    provider: str, model: str, family: str
) -> None:
    assert cost_usd(provider, model, 12345, 678) == cost_usd(provider, family, 12345, 678)
    assert cost_usd(provider, model, 12345, 678) is not None


@pytest.mark.parametrize(
    ("provider", "model"),
    [
        ("openai", "my-fine-tune"),
        ("openai_compatible", "llama3.1:8b"),
        ("anthropic", "gpt-4o"),  # right name, wrong vendor
        ("nobody", "gpt-4o"),
        ("openai", ""),
    ],
)
def test_unknown_models_cost_none_not_an_error(provider: str, model: str) -> None:
    assert cost_usd(provider, model, 100, 100) is None


def test_zero_tokens_cost_zero_and_every_vendor_has_current_models() -> None:
    assert cost_usd("openai", "gpt-4.1", 0, 0) == 0.0
    for provider in ("anthropic", "openai", "google"):
        assert PRICES[provider], provider
        for price in PRICES[provider]:
            assert 0 < price.input_usd_per_mtok <= price.output_usd_per_mtok
