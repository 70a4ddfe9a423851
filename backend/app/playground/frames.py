"""Client frames of the playground WebSocket, parsed; bad ones become FrameErrors.

{"type": "user_message", "content": "...", "conversation_id": "<uuid or null>"}
{"type": "cancel", "conversation_id": "<uuid, optional>"}
{"type": "ping"}
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from app.validation import InputRefused, check_json


class FrameError(Exception):
    def __init__(self, code: str, message: str, *, retryable: bool = False) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.retryable = retryable

    def frame(self) -> dict[str, Any]:
        return {
            "type": "error",
            "code": self.code,
            "message": self.message,
            "retryable": self.retryable,
        }


@dataclass(frozen=True)
class UserMessageFrame:
    content: str
    conversation_id: uuid.UUID | None


@dataclass(frozen=True)
class CancelFrame:
    conversation_id: uuid.UUID | None


@dataclass(frozen=True)
class PingFrame:
    pass


ClientFrame = UserMessageFrame | CancelFrame | PingFrame
FRAME_TYPES = ("user_message", "cancel", "ping")


def parse_frame(raw: str | bytes | None, *, max_bytes: int) -> ClientFrame:
    """Parse one received frame; raises FrameError with the code the client gets."""
    if raw is None:
        raise FrameError("invalid_json", "Empty frame: send one JSON object per frame")
    size = len(raw) if isinstance(raw, bytes) else len(raw.encode("utf-8", "surrogatepass"))
    if size > max_bytes:
        raise FrameError(
            "frame_too_large", f"Frame is {size} bytes; the limit is {max_bytes} bytes"
        )
    try:
        data = check_json(raw, root=("frame",))
    except InputRefused as exc:
        # Too deep, NaN, or text that cannot be stored (NUL, a lone surrogate): a bad frame.
        if exc.kind == "too_deep":
            raise FrameError("invalid_json", f"Frame is {exc.message}") from None
        if exc.kind == "json_invalid":
            raise FrameError("invalid_json", f"Frame is not valid JSON: {exc.message}") from None
        raise FrameError("invalid_field", f"`{exc.where}` {exc.message}") from None
    except (ValueError, UnicodeDecodeError):
        raise FrameError("invalid_json", "Frame is not valid JSON") from None
    if not isinstance(data, dict):
        raise FrameError("invalid_json", "Frame must be a JSON object")
    kind = data.get("type")
    if kind is None:
        raise FrameError("missing_field", "Frame has no `type`")
    if kind == "ping":
        return PingFrame()
    if kind == "cancel":
        return CancelFrame(_conversation_id(data))
    if kind == "user_message":
        content = data.get("content")
        if content is None or (isinstance(content, str) and not content.strip()):
            raise FrameError("missing_field", "user_message needs a non-empty `content`")
        if not isinstance(content, str):
            raise FrameError("invalid_field", "`content` must be a string")
        return UserMessageFrame(content, _conversation_id(data))
    shown = kind if isinstance(kind, str) and len(kind) <= 64 else "?"
    raise FrameError(
        "unknown_type", f"Unknown frame type {shown!r}; expected one of {', '.join(FRAME_TYPES)}"
    )


def _conversation_id(data: dict[str, Any]) -> uuid.UUID | None:
    value = data.get("conversation_id")
    if value is None:
        return None
    try:
        return uuid.UUID(str(value))
    except ValueError:
        raise FrameError("invalid_field", "`conversation_id` must be a UUID or null") from None
