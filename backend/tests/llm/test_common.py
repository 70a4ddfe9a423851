"""The pieces every provider shares: error messages, Retry-After, safe URLs."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest

from app.llm.errors import (
    LLMError,
    ProviderAuthError,
    ProviderBadRequest,
    ProviderRateLimited,
    ProviderTimeout,
    ProviderUnavailable,
)
from app.llm.providers.common import Vendor, error_for_status, parse_retry_after, public_url
from app.llm.providers.google import _retry_delay

VENDOR = Vendor(
    "anthropic", "Anthropic", "ANTHROPIC_API_KEY", "https://api.anthropic.com", "sk-k3y"
)


@pytest.mark.parametrize(
    ("status", "kind", "says"),
    [
        (401, ProviderAuthError, "Anthropic rejected the API key: set ANTHROPIC_API_KEY"),
        (403, ProviderAuthError, "refused access with this API key"),
        (404, ProviderBadRequest, "check the model name"),
        (408, ProviderTimeout, "timed out"),
        (413, ProviderBadRequest, "refused the request (HTTP 413)"),
        (429, ProviderRateLimited, "rate limit"),
        (500, ProviderUnavailable, "unavailable (HTTP 500)"),
        (529, ProviderUnavailable, "unavailable (HTTP 529)"),
    ],
)
def test_each_status_maps_to_one_error_a_user_can_act_on(
    status: int, kind: type[LLMError], says: str
) -> None:
    error = error_for_status(VENDOR, status, detail="vendor said sk-k3y is bad")
    assert type(error) is kind
    assert says in error.message
    assert error.provider == "anthropic"
    assert "sk-k3y" not in error.message


def test_retryable_flags_follow_the_error_kind() -> None:
    assert error_for_status(VENDOR, 429).retryable
    assert error_for_status(VENDOR, 503).retryable
    assert not error_for_status(VENDOR, 400).retryable
    assert not error_for_status(VENDOR, 401).retryable


def test_openai_compatible_servers_are_told_apart_from_env_keyed_vendors() -> None:
    vendor = Vendor("openai_compatible", "OpenAI-compatible server", None)
    message = error_for_status(vendor, 401).message
    assert "OpenAI-compatible server rejected the API key" in message
    assert "OPENAI_API_KEY" not in message


def test_retry_after_in_seconds_milliseconds_or_http_date() -> None:
    assert parse_retry_after({"retry-after": "7"}) == 7.0
    assert parse_retry_after({"retry-after-ms": "1500", "retry-after": "9"}) == 1.5
    later = format_datetime(datetime.now(UTC) + timedelta(seconds=30), usegmt=True)
    assert 25 <= (parse_retry_after({"retry-after": later}) or 0) <= 30
    assert parse_retry_after({"retry-after": "soon"}) is None
    assert parse_retry_after({}) is None


def test_gemini_retry_delay_from_the_error_body() -> None:
    body = {
        "error": {
            "code": 429,
            "details": [
                {"@type": "type.googleapis.com/google.rpc.QuotaFailure"},
                {"@type": "type.googleapis.com/google.rpc.RetryInfo", "retryDelay": "17s"},
            ],
        }
    }
    assert _retry_delay(body) == 17.0
    assert _retry_delay({"error": {"code": 429}}) is None


def test_urls_in_messages_drop_credentials() -> None:
    assert public_url("https://user:pa55@llm.example.com:8443/v1?key=x") == (
        "https://llm.example.com:8443/v1"
    )
