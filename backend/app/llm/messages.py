"""Our own conversation messages; providers map them to and from their wire formats."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field


class SystemMessage(BaseModel):
    role: Literal["system"] = "system"
    content: str


class UserMessage(BaseModel):
    role: Literal["user"] = "user"
    content: str


# Gemini signs the function calls of its thinking models and wants each signature back with its
# call, from whichever worker continues the conversation: so it travels with the call and is
# stored with it (base64). Only the google provider reads it; the others never send it. Left
# out of a dump when absent, so calls of other vendors are stored as before.
def thought_signature_field() -> Any:
    return Field(
        default=None,
        exclude_if=lambda value: value is None,
        description="Gemini's opaque thought signature of this call, base64",
    )


class ToolCallRequest(BaseModel):
    """A tool call the model made: `arguments` is already parsed JSON."""

    id: str
    name: str
    arguments: dict[str, Any] = Field(default_factory=dict)
    thought_signature: str | None = thought_signature_field()


class AssistantMessage(BaseModel):
    role: Literal["assistant"] = "assistant"
    content: str = ""
    tool_calls: list[ToolCallRequest] = Field(default_factory=list)


class ToolResultMessage(BaseModel):
    role: Literal["tool"] = "tool"
    tool_call_id: str
    name: str
    content: str
    is_error: bool = False


Message = Annotated[
    SystemMessage | UserMessage | AssistantMessage | ToolResultMessage,
    Field(discriminator="role"),
]
