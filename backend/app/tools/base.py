"""The tool interface the run loop calls. Custom API tools and built-ins implement it."""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any

from pydantic import BaseModel, Field

from app.llm.base import ToolSpec


class ToolResult(BaseModel):
    """What a call produced. `content` is the text the model sees; `data` is the JSON the UI
    shows. A failure is a result with is_error=True, not an exception: the model sees it."""

    content: str
    is_error: bool = False
    data: Any = None
    status_code: int | None = None
    latency_ms: float | None = None
    # Secrets never appear here: implementations scrub credential values before returning.
    meta: dict[str, Any] = Field(default_factory=dict)


class Tool(ABC):
    name: str
    description: str
    input_schema: dict[str, Any]
    timeout_s: float = 30.0

    def spec(self) -> ToolSpec:
        return ToolSpec(
            name=self.name, description=self.description, input_schema=self.input_schema
        )

    @abstractmethod
    async def call(self, arguments: dict[str, Any]) -> ToolResult:
        """Run the tool. Expected failures (HTTP errors, bad arguments, blocked egress) are
        returned as ToolResult(is_error=True); the caller enforces `timeout_s`."""
