"""Which conversations have a run going, and stopping them from anywhere.

One RunRegistry per worker (app.state.run_registry). A run claims its conversation while it
works, so a second message for the same conversation is refused (`run_in_progress`) instead of
interleaving two runs. `cancel(conversation_id)` stops the run on this worker and, with Redis
configured, publishes the cancel so the worker that holds the run stops it too. Without Redis
everything stays in-process. A Redis outage degrades to in-process behaviour, never to a failed
run, nor to a slow one: the client's circuit breaker (app.redis) fails calls at once while it is
open. The limits of that fallback, until Redis is back: a cancel sent to another worker than the
one running the turn is not delivered (the turn runs to its end), and a second message for the
same conversation on another worker is not refused with `run_in_progress`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from collections.abc import Callable

from redis.asyncio import Redis
from redis.exceptions import RedisError

from app.config import Settings
from app.redis import GuardedRedis, redis_key

logger = logging.getLogger(__name__)

# A claim is kept alive by its worker's heartbeat however long the run takes; if the worker
# dies, the conversation is free again within CLAIM_TTL_S.
CLAIM_TTL_S = 180
_HEARTBEAT_S = 60
_RETRY_S = 1.0
_MAX_RETRY_S = 30.0
_STOP_TIMEOUT_S = 3.0


class RunRegistry:
    def __init__(self, settings: Settings, redis: Redis | None) -> None:
        self._settings = settings
        self._redis = redis
        self._token = uuid.uuid4().hex
        self._local: dict[uuid.UUID, Callable[[], None]] = {}
        self._channel = redis_key(settings, "run-cancel")
        self._listener: asyncio.Task[None] | None = None
        self._heartbeat: asyncio.Task[None] | None = None
        self._subscribed = asyncio.Event()

    async def start(self) -> None:
        """Listen for cancels published by other workers (no-op without Redis). Never blocks
        startup: an unreachable Redis is retried in the background."""
        if self._redis is None:
            return
        self._listener = asyncio.create_task(self._listen(), name="run-cancel-listener")
        self._heartbeat = asyncio.create_task(self._keep_claims(), name="run-claim-heartbeat")

    async def subscribed(self) -> None:
        """Wait until cancels from other workers are heard (tests; never returns without
        Redis)."""
        await self._subscribed.wait()

    async def stop(self) -> None:
        tasks = [task for task in (self._listener, self._heartbeat) if task is not None]
        for task in tasks:
            task.cancel()
        if tasks:
            # Closing a pubsub connection can stall on a half-dead socket; shutdown must not.
            _, pending = await asyncio.wait(tasks, timeout=_STOP_TIMEOUT_S)
            if pending:
                logger.warning("run-cancel listener did not stop within %ss", _STOP_TIMEOUT_S)
        self._listener = self._heartbeat = None

    def is_running(self, conversation_id: uuid.UUID) -> bool:
        return conversation_id in self._local

    async def claim(self, conversation_id: uuid.UUID, cancel: Callable[[], None]) -> bool:
        """Register a run for the conversation; False if one is already going anywhere."""
        if conversation_id in self._local:
            return False
        self._local[conversation_id] = cancel
        if self._redis is not None:
            try:
                claimed = await self._redis.set(
                    self._claim_key(conversation_id), self._token, nx=True, ex=CLAIM_TTL_S
                )
            except RedisError as exc:
                logger.warning("run claim without Redis (%s)", type(exc).__name__)
                return True
            if not claimed:
                self._local.pop(conversation_id, None)
                return False
        return True

    async def release(self, conversation_id: uuid.UUID) -> None:
        if self._local.pop(conversation_id, None) is None:
            return
        if self._redis is not None:
            key = self._claim_key(conversation_id)
            try:
                if await self._redis.get(key) == self._token.encode():
                    await self._redis.delete(key)
            except RedisError as exc:
                logger.warning("run release without Redis (%s)", type(exc).__name__)

    async def cancel(self, conversation_id: uuid.UUID) -> bool:
        """Stop the conversation's run wherever it is. True if it ran on this worker."""
        local = self._cancel_local(conversation_id)
        if self._redis is not None and not local:
            try:
                await self._redis.publish(self._channel, str(conversation_id))
            except RedisError as exc:
                logger.warning("cancel not published (%s)", type(exc).__name__)
        return local

    def _cancel_local(self, conversation_id: uuid.UUID) -> bool:
        cancel = self._local.get(conversation_id)
        if cancel is None:
            return False
        cancel()
        return True

    def _claim_key(self, conversation_id: uuid.UUID) -> str:
        return redis_key(self._settings, "run", str(conversation_id))

    async def _keep_claims(self) -> None:
        assert self._redis is not None
        while True:
            await asyncio.sleep(_HEARTBEAT_S)
            for conversation_id in list(self._local):
                key = self._claim_key(conversation_id)
                try:
                    if await self._redis.get(key) == self._token.encode():
                        await self._redis.expire(key, CLAIM_TTL_S)
                except RedisError as exc:
                    logger.debug("claim heartbeat skipped (%s)", type(exc).__name__)

    async def _listen(self) -> None:
        assert self._redis is not None
        delay = _RETRY_S
        while True:
            if isinstance(self._redis, GuardedRedis) and self._redis.breaker.opened:
                await asyncio.sleep(delay)  # Redis is known to be down: do not even try
                continue
            try:
                async with self._redis.pubsub() as pubsub:
                    await pubsub.subscribe(self._channel)
                    self._subscribed.set()
                    delay = _RETRY_S
                    async for message in pubsub.listen():
                        if message.get("type") != "message":
                            continue
                        with contextlib.suppress(ValueError, AttributeError):
                            self._cancel_local(uuid.UUID(message["data"].decode()))
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # keep listening through Redis restarts
                log = logger.warning if delay == _RETRY_S else logger.debug
                log("run-cancel listener: Redis unavailable (%s), retrying", type(exc).__name__)
                self._subscribed.clear()
                await asyncio.sleep(delay)
                delay = min(delay * 2, _MAX_RETRY_S)
