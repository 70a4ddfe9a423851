"""Build a turn's execution_traces rows (and mirror them to Langfuse) as the run happens.

One `run` row per turn, with `llm_call` and `tool_call` children pointing at it through
parent_id. The recorder only builds rows; the runner adds them in the same transaction as the
message each one belongs to, so traces are written at message boundaries like everything else.
Inputs and outputs are redacted (with the turn's workspace's secrets) before they are stored or
exported.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from app.database import utcnow
from app.storable import storable, storable_text
from app.traces.langfuse_export import ExportedSpan, LangfuseExporter
from app.traces.models import ExecutionTrace
from app.traces.redaction import redact

# Stored trace payloads are for reading, not replay: very long strings are cut.
MAX_TRACE_STRING = 20_000


def _clip(value: Any) -> Any:
    if isinstance(value, str) and len(value) > MAX_TRACE_STRING:
        return value[:MAX_TRACE_STRING] + f"… [{len(value) - MAX_TRACE_STRING} more characters]"
    if isinstance(value, dict):
        return {k: _clip(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_clip(v) for v in value]
    return value


def _ms(since: float) -> float:
    return round((time.perf_counter() - since) * 1000, 3)


@dataclass
class _Open:
    row: ExecutionTrace
    span: ExportedSpan
    started: float = field(default_factory=time.perf_counter)


class TurnTrace:
    """The trace of one user turn."""

    def __init__(
        self,
        conversation_id: uuid.UUID,
        *,
        name: str,
        input: Any,
        exporter: LangfuseExporter | None,
        workspace_id: uuid.UUID | None = None,
        secrets: Sequence[str] = (),
        metadata: dict[str, Any] | None = None,
    ) -> None:
        """`workspace_id`: whose known secrets are scrubbed (with `secrets`) from every row."""
        self.conversation_id = conversation_id
        self._workspace_id = workspace_id
        self._secrets = list(secrets)
        clean_input = self.clean(input)
        span = (
            exporter.start_run(name, input=clean_input, metadata=metadata or {})
            if exporter is not None
            else ExportedSpan(None)
        )
        self._run = _Open(
            ExecutionTrace(
                id=uuid.uuid4(),
                conversation_id=conversation_id,
                kind="run",
                name=name[:200],
                input=clean_input,
                started_at=utcnow(),
            ),
            span,
        )

    def clean(self, value: Any) -> Any:
        """Redacted, clipped, and storable (no NUL or lone surrogate: app.storable)."""
        return storable(_clip(redact(value, self._workspace_id, self._secrets)))

    @property
    def run_row(self) -> ExecutionTrace:
        """The `run` row, to insert with the user message."""
        return self._run.row

    def start_llm_call(self, name: str, *, input: Any, model: str) -> LLMCallTrace:
        clean_input = self.clean(input)
        return LLMCallTrace(
            self,
            _Open(
                self._child("llm_call", name, clean_input),
                self._run.span.child(name, as_type="generation", input=clean_input, model=model),
            ),
        )

    def start_tool_call(self, name: str, *, input: Any) -> ToolCallTrace:
        clean_input = self.clean(input)
        return ToolCallTrace(
            self,
            _Open(
                self._child("tool_call", name, clean_input),
                self._run.span.child(name, as_type="tool", input=clean_input),
            ),
        )

    def _child(self, kind: str, name: str, clean_input: Any) -> ExecutionTrace:
        return ExecutionTrace(
            id=uuid.uuid4(),
            conversation_id=self.conversation_id,
            parent_id=self._run.row.id,
            kind=kind,
            name=storable_text(name[:200]),
            input=clean_input,
            started_at=utcnow(),
        )

    async def finish(
        self,
        session: AsyncSession,
        *,
        message_id: uuid.UUID | None,
        output: Any,
        input_tokens: int,
        output_tokens: int,
        cost_usd: float | None,
        ttft_ms: float | None,
        error: str | None,
    ) -> None:
        """Close the run row (an UPDATE in the caller's transaction) and the exported trace."""
        clean_output = self.clean(output)
        values = {
            "message_id": message_id,
            "output": clean_output,
            "ended_at": utcnow(),
            "latency_ms": _ms(self._run.started),
            "ttft_ms": ttft_ms,
            "input_tokens": input_tokens,
            "output_tokens": output_tokens,
            "cost_usd": cost_usd,
            "error": storable_text(error) if error else None,
        }
        await session.execute(
            update(ExecutionTrace).where(ExecutionTrace.id == self._run.row.id).values(**values)
        )
        self._run.span.end(
            output=clean_output,
            error=values["error"],
            metadata={"input_tokens": input_tokens, "output_tokens": output_tokens},
        )


class LLMCallTrace:
    def __init__(self, turn: TurnTrace, opened: _Open) -> None:
        self._turn = turn
        self._open = opened

    def finish(
        self,
        *,
        message_id: uuid.UUID | None,
        output: Any,
        input_tokens: int,
        output_tokens: int,
        cost_usd: float | None,
        ttft_ms: float | None,
        first_token_at: datetime | None,
        error: str | None = None,
    ) -> ExecutionTrace:
        row = self._open.row
        row.message_id = message_id
        row.output = self._turn.clean(output)
        row.ended_at = utcnow()
        row.latency_ms = _ms(self._open.started)
        row.ttft_ms = ttft_ms
        row.input_tokens = input_tokens
        row.output_tokens = output_tokens
        row.cost_usd = cost_usd
        row.error = storable_text(error) if error else None
        self._open.span.end(
            output=row.output,
            error=row.error,
            usage={"input": input_tokens, "output": output_tokens},
            cost_usd=cost_usd,
            first_token_at=first_token_at,
        )
        return row


class ToolCallTrace:
    def __init__(self, turn: TurnTrace, opened: _Open) -> None:
        self._turn = turn
        self._open = opened

    def finish(
        self, *, message_id: uuid.UUID | None, output: Any, latency_ms: float, error: str | None
    ) -> ExecutionTrace:
        row = self._open.row
        row.message_id = message_id
        row.output = self._turn.clean(output)
        row.ended_at = utcnow()
        row.latency_ms = latency_ms
        row.error = self._turn.clean(error) if error else None
        self._open.span.end(output=row.output, error=row.error)
        return row
