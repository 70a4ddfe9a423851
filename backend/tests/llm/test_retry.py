"""The retry policy on its own: what is retried, how long it waits, where it stops."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from app.config import Settings
from app.llm.base import StreamEvent, TextDelta
from app.llm.errors import (
    LLMError,
    ProviderBadRequest,
    ProviderRateLimited,
    ProviderUnavailable,
)
from app.llm.retry import RetryPolicy, stream_with_retries
from tests.llm.conftest import Sleeps


class Attempts:
    """A stream factory: attempt i yields `outputs[i]` text (if any) then raises `errors[i]`."""

    def __init__(self, *plan: tuple[str | None, LLMError | None]) -> None:
        self.plan = list(plan)
        self.opened = 0

    def __call__(self) -> AsyncIterator[StreamEvent]:
        text, error = self.plan[self.opened]
        self.opened += 1
        return self._stream(text, error)

    async def _stream(self, text: str | None, error: LLMError | None) -> AsyncIterator[StreamEvent]:
        if text is not None:
            yield TextDelta(text=text)
        if error is not None:
            raise error


async def drain(factory: Attempts, policy: RetryPolicy) -> list[StreamEvent]:
    return [event async for event in stream_with_retries(factory, policy)]


def down() -> ProviderUnavailable:
    return ProviderUnavailable("openai", "OpenAI is unavailable (HTTP 503); try again shortly")


async def test_an_error_after_output_is_surfaced_not_retried() -> None:
    sleeps = Sleeps()
    attempts = Attempts(("Hel", down()), ("Hello", None))
    seen: list[StreamEvent] = []
    with pytest.raises(ProviderUnavailable):
        async for event in stream_with_retries(attempts, RetryPolicy(sleep=sleeps)):
            seen.append(event)
    assert seen == [TextDelta(text="Hel")]  # nothing replayed twice
    assert attempts.opened == 1
    assert sleeps.waits == []


async def test_retryable_errors_before_output_are_retried_until_success() -> None:
    sleeps = Sleeps()
    attempts = Attempts((None, down()), (None, down()), ("ok", None))
    events = await drain(attempts, RetryPolicy(max_retries=3, base_delay_s=1, sleep=sleeps))
    assert events == [TextDelta(text="ok")]
    assert attempts.opened == 3
    assert len(sleeps.waits) == 2
    assert 0.5 <= sleeps.waits[0] <= 1 and 1 <= sleeps.waits[1] <= 2


async def test_refused_requests_are_not_retried() -> None:
    attempts = Attempts((None, ProviderBadRequest("openai", "bad")), ("ok", None))
    with pytest.raises(ProviderBadRequest):
        await drain(attempts, RetryPolicy(sleep=Sleeps()))
    assert attempts.opened == 1


async def test_retry_count_is_bounded() -> None:
    attempts = Attempts(*[(None, down())] * 10)
    with pytest.raises(ProviderUnavailable):
        await drain(attempts, RetryPolicy(max_retries=2, base_delay_s=0, sleep=Sleeps()))
    assert attempts.opened == 3


async def test_total_wait_is_bounded_by_the_time_budget() -> None:
    sleeps = Sleeps()
    attempts = Attempts(*[(None, down())] * 10)
    policy = RetryPolicy(
        max_retries=10, max_total_s=5, base_delay_s=2, max_delay_s=60, sleep=sleeps
    )
    with pytest.raises(ProviderUnavailable):
        await drain(attempts, policy)
    # Waits of ~2 and ~4 would pass 5s together: at most one is started.
    assert len(sleeps.waits) <= 2
    assert sum(sleeps.waits) <= 5


async def test_retry_after_is_honoured_over_backoff() -> None:
    sleeps = Sleeps()
    limited = ProviderRateLimited("anthropic", "slow down", retry_after_s=7)
    attempts = Attempts((None, limited), ("ok", None))
    await drain(attempts, RetryPolicy(base_delay_s=0.1, max_total_s=30, sleep=sleeps))
    assert sleeps.waits == [7]


def test_policy_comes_from_the_llm_settings() -> None:
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        llm_max_retries=5,
        llm_retry_max_total_s=12.5,
        llm_retry_base_delay_s=0.2,
    )
    policy = RetryPolicy.from_settings(settings)
    assert (policy.max_retries, policy.max_total_s, policy.base_delay_s) == (5, 12.5, 0.2)
