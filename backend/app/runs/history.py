"""Stored messages -> the model's message list, always in a shape every provider accepts.

Interrupted turns leave gaps (an assistant tool call whose result was never stored, an empty
assistant message); this is where they are smoothed over, so one bad turn never breaks the
conversation for the next.
"""

from __future__ import annotations

from collections.abc import Sequence

from app.conversations.models import Message as StoredMessage
from app.llm.messages import (
    AssistantMessage,
    Message,
    SystemMessage,
    ToolCallRequest,
    ToolResultMessage,
    UserMessage,
)

MISSING_RESULT = "No result: the run was interrupted before this tool call finished."


def to_model_messages(system_prompt: str, stored: Sequence[StoredMessage]) -> list[Message]:
    messages: list[Message] = [SystemMessage(content=system_prompt)] if system_prompt else []
    open_calls: dict[str, str] = {}  # tool_call_id -> tool name, awaiting a result

    def close_open_calls() -> None:
        for call_id, name in open_calls.items():
            messages.append(
                ToolResultMessage(
                    tool_call_id=call_id, name=name, content=MISSING_RESULT, is_error=True
                )
            )
        open_calls.clear()

    for row in stored:
        if row.role == "tool":
            name = open_calls.pop(row.tool_call_id or "", None)
            if name is None:
                continue  # a result whose call is not in the history: providers refuse it
            messages.append(
                ToolResultMessage(
                    tool_call_id=row.tool_call_id or "",
                    name=name,
                    content=row.content,
                    is_error=bool((row.message_metadata or {}).get("is_error")),
                )
            )
            continue
        close_open_calls()
        if row.role == "user":
            messages.append(UserMessage(content=row.content))
        elif row.role == "assistant":
            calls = [ToolCallRequest.model_validate(c) for c in row.tool_calls or []]
            if not row.content and not calls:
                continue
            messages.append(AssistantMessage(content=row.content, tool_calls=calls))
            open_calls.update({c.id: c.name for c in calls})
    close_open_calls()
    return messages
