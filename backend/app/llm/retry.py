"""Our one retry policy for model calls (the SDKs' own retries are switched off).

A call that fails with a retryable error (429, 5xx, connection refused, timeout) before it has
produced any event is tried again, after the server's Retry-After when it gave one, else after an
exponential backoff with jitter. Retries are bounded in count (LLM_MAX_RETRIES) and in total
time (LLM_RETRY_MAX_TOTAL_S): a wait that would overrun the budget is not started, the error is
surfaced instead. Once an event has been yielded the caller has seen output, so a later failure
is surfaced as is: replaying the call would duplicate what the user already saw.
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field

from app.config import Settings
from app.llm.base import StreamEvent
from app.llm.errors import LLMError, ProviderRateLimited

logger = logging.getLogger(__name__)

Sleep = Callable[[float], Awaitable[None]]


@dataclass(frozen=True)
class RetryPolicy:
    max_retries: int = 3
    max_total_s: float = 30.0
    base_delay_s: float = 0.5
    max_delay_s: float = 20.0
    sleep: Sleep = field(default=asyncio.sleep, compare=False)

    @classmethod
    def from_settings(cls, settings: Settings) -> RetryPolicy:
        return cls(
            max_retries=max(0, settings.llm_max_retries),
            max_total_s=max(0.0, settings.llm_retry_max_total_s),
            base_delay_s=max(0.0, settings.llm_retry_base_delay_s),
        )

    def delay_for(self, attempt: int, error: LLMError) -> float:
        """Seconds to wait before retry number `attempt + 1`."""
        if isinstance(error, ProviderRateLimited) and error.retry_after_s is not None:
            return max(0.0, error.retry_after_s)
        backoff = min(self.max_delay_s, self.base_delay_s * 2**attempt)
        return backoff * random.uniform(0.5, 1.0)  # noqa: S311 (jitter, not crypto)


async def stream_with_retries(
    open_stream: Callable[[], AsyncIterator[StreamEvent]], policy: RetryPolicy
) -> AsyncIterator[StreamEvent]:
    """Yield the events of `open_stream()`, reopening it on a retryable error before output."""
    started = time.monotonic()
    waited = 0.0  # counted too, so an injected sleep that returns at once keeps the budget
    attempt = 0
    while True:
        stream = open_stream()
        produced = False
        try:
            async for event in stream:
                produced = True
                yield event
            return
        except LLMError as error:
            if produced or not error.retryable or attempt >= policy.max_retries:
                raise
            delay = policy.delay_for(attempt, error)
            spent = max(time.monotonic() - started, waited)
            if spent + delay > policy.max_total_s:
                raise
            attempt += 1
            waited += delay
            logger.info(
                "%s: %s, retry %d/%d in %.2fs",
                error.provider,
                error.code,
                attempt,
                policy.max_retries,
                delay,
            )
            await policy.sleep(delay)
        finally:
            aclose = getattr(stream, "aclose", None)
            if aclose is not None:
                await aclose()
