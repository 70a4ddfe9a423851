"""Export runs to Langfuse as traces with generation and tool spans (langfuse SDK).

Enabled when LANGFUSE_PUBLIC_KEY, LANGFUSE_SECRET_KEY and LANGFUSE_HOST are all set. Spans are
created as the run happens (cheap, in memory); the SDK's batch processor sends them from its own
thread, so a slow or dead Langfuse never delays a run. Every call here swallows its errors: an
exporter problem is logged, never raised into the run.

The exporter keeps its own OpenTelemetry TracerProvider instead of installing a global one, so it
does not capture (or get captured by) anyone else's instrumentation.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from app.config import Settings

logger = logging.getLogger(__name__)


def _safe(action: str, fn: Any, *args: Any, **kwargs: Any) -> Any:
    try:
        return fn(*args, **kwargs)
    except Exception as exc:  # an exporter failure must never reach the run
        logger.warning("langfuse %s failed: %s", action, type(exc).__name__)
        return None


class ExportedSpan:
    """One Langfuse observation (the run, a generation or a tool call)."""

    def __init__(self, observation: Any) -> None:
        self._observation = observation

    def child(
        self, name: str, *, as_type: str, input: Any, model: str | None = None
    ) -> ExportedSpan:
        if self._observation is None:
            return ExportedSpan(None)
        kwargs: dict[str, Any] = {"name": name, "as_type": as_type, "input": input}
        if model is not None:
            kwargs["model"] = model
        return ExportedSpan(_safe("span start", self._observation.start_observation, **kwargs))

    def end(
        self,
        *,
        output: Any = None,
        error: str | None = None,
        usage: dict[str, int] | None = None,
        cost_usd: float | None = None,
        first_token_at: datetime | None = None,
        metadata: dict[str, Any] | None = None,
    ) -> None:
        if self._observation is None:
            return
        update: dict[str, Any] = {"output": output}
        if error:
            update |= {"level": "ERROR", "status_message": error}
        if usage is not None:
            update["usage_details"] = usage
        if cost_usd is not None:
            update["cost_details"] = {"total": cost_usd}
        if first_token_at is not None:
            update["completion_start_time"] = first_token_at
        if metadata:
            update["metadata"] = metadata
        _safe("span update", self._observation.update, **update)
        _safe("span end", self._observation.end)


class LangfuseExporter:
    def __init__(self, settings: Settings) -> None:
        from langfuse import Langfuse
        from opentelemetry.sdk.trace import TracerProvider

        self._provider = TracerProvider()
        self._client = Langfuse(
            public_key=settings.langfuse_public_key,
            secret_key=settings.langfuse_secret_key.get_secret_value(),
            host=settings.langfuse_host,
            tracer_provider=self._provider,
            environment=settings.environment.value,
            timeout=5,
        )

    def start_run(self, name: str, *, input: Any, metadata: dict[str, Any]) -> ExportedSpan:
        observation = _safe(
            "run start",
            self._client.start_observation,
            name=name,
            as_type="agent",
            input=input,
            metadata=metadata,
        )
        return ExportedSpan(observation)

    def flush(self) -> None:
        """Block until queued spans are sent (or failed). Call from a thread, not the loop."""
        _safe("flush", self._client.flush)

    def shutdown(self) -> None:
        _safe("shutdown", self._client.shutdown)
        _safe("provider shutdown", self._provider.shutdown)


def langfuse_configured(settings: Settings) -> bool:
    return bool(
        settings.langfuse_public_key
        and settings.langfuse_secret_key.get_secret_value()
        and settings.langfuse_host
    )


def create_exporter(settings: Settings) -> LangfuseExporter | None:
    if not langfuse_configured(settings):
        return None
    try:
        return LangfuseExporter(settings)
    except Exception as exc:
        logger.warning("Langfuse export disabled: client failed to start (%s)", type(exc).__name__)
        return None
