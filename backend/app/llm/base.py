"""The one model interface: `Model.stream(messages, tools, settings)` yields StreamEvents.

The runner only ever sees these types; each provider file maps its vendor's stream to them.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import AsyncIterator, Sequence
from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field

from app.llm.messages import Message, thought_signature_field


class ToolSpec(BaseModel):
    """A tool as the model sees it."""

    name: str
    description: str = ""
    input_schema: dict[str, Any] = Field(default_factory=lambda: {"type": "object"})


class ModelSettings(BaseModel):
    temperature: float | None = None
    max_tokens: int | None = None
    top_p: float | None = None


class TextDelta(BaseModel):
    type: Literal["text_delta"] = "text_delta"
    text: str


class ToolCall(BaseModel):
    """A complete tool call: arguments parsed from however many fragments they arrived in."""

    type: Literal["tool_call"] = "tool_call"
    id: str
    name: str
    arguments: dict[str, Any] = Field(default_factory=dict)
    thought_signature: str | None = thought_signature_field()


class Usage(BaseModel):
    type: Literal["usage"] = "usage"
    input_tokens: int = 0
    output_tokens: int = 0


FinishReason = Literal["stop", "tool_calls", "max_tokens", "other"]


class Finish(BaseModel):
    type: Literal["finish"] = "finish"
    reason: FinishReason


StreamEvent = Annotated[TextDelta | ToolCall | Usage | Finish, Field(discriminator="type")]


class Model(ABC):
    """A configured model of one provider. `stream` raises app.llm.errors.LLMError subclasses."""

    provider: str
    name: str

    @abstractmethod
    def stream(
        self,
        messages: Sequence[Message],
        tools: Sequence[ToolSpec] = (),
        settings: ModelSettings | None = None,
    ) -> AsyncIterator[StreamEvent]:
        """Stream one model response. Always ends with Usage (when known) then Finish."""
