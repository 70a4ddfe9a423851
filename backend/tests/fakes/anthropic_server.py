"""A fake Anthropic Messages API: `POST /v1/messages` streamed as named SSE events.

message_start, then one content block per run of text or per tool call (a tool_use block whose
input arrives as `input_json_delta` pieces), a ping, message_delta (stop reason, output tokens)
and message_stop.

Standalone: `python -m tests.fakes.anthropic_server --port 8102` (auto replies; see server.py).
"""

from __future__ import annotations

import json
import re
from typing import Any

from tests.fakes.server import (
    CUT,
    Call,
    CutOff,
    FakeServer,
    HttpError,
    Malformed,
    Recorded,
    Reply,
    StreamError,
    Text,
    Turn,
    default_finish,
    serve_main,
    split_text,
)

_ERROR_TYPES = {
    400: "invalid_request_error",
    401: "authentication_error",
    403: "permission_error",
    404: "not_found_error",
    413: "request_too_large",
    429: "rate_limit_error",
    529: "overloaded_error",
}


TOOL_NAME = re.compile(r"^[a-zA-Z0-9_-]{1,64}$")
PROPERTY_KEY = re.compile(r"^[a-zA-Z0-9_.-]{1,64}$")


def tool_problems(tools: list[Any]) -> list[str]:
    """What the Messages API says about tools it refuses (its own wording), first first."""
    problems = []
    for i, tool in enumerate(tools):
        where = f"tools.{i}.custom"
        if not TOOL_NAME.match(str(tool.get("name", ""))):
            problems.append(f"{where}.name: String should match pattern '{TOOL_NAME.pattern}'")
        schema = tool.get("input_schema")
        if not isinstance(schema, dict) or schema.get("type") != "object":
            problems.append(f"{where}.input_schema.type: Input should be 'object'")
            continue
        if any(k in schema for k in ("oneOf", "allOf", "anyOf")):
            problems.append(
                f"{where}.input_schema: input_schema does not support oneOf, allOf, or anyOf "
                "at the top level"
            )
        for node in _schemas(schema):
            if any(not PROPERTY_KEY.match(key) for key in node.get("properties") or {}):
                problems.append(
                    f"{where}.input_schema.properties: Property keys should match pattern "
                    f"'{PROPERTY_KEY.pattern}'"
                )
                break
    return problems


def _schemas(node: Any) -> list[dict[str, Any]]:
    """Every schema object under `node` (good enough for the keywords tools use)."""
    if isinstance(node, list):
        return [s for item in node for s in _schemas(item)]
    if not isinstance(node, dict):
        return []
    found = [node]
    for key, value in node.items():
        if key in ("properties", "$defs", "definitions") and isinstance(value, dict):
            found += [s for sub in value.values() for s in _schemas(sub)]
        elif key in ("items", "anyOf", "oneOf", "allOf", "additionalProperties", "not"):
            found += _schemas(value)
    return found


def _event(name: str, data: dict[str, Any]) -> bytes:
    return f"event: {name}\ndata: {json.dumps(data)}\n\n".encode()


class FakeAnthropic(FakeServer):
    def render_stream(self, reply: Reply, request: Recorded) -> list[bytes | object]:
        model = request.json().get("model", self.default_model)
        prompt, completion = reply.usage or (0, 0)
        message = {
            "id": "msg_fake",
            "type": "message",
            "role": "assistant",
            "model": model,
            "content": [],
            "stop_reason": None,
            "stop_sequence": None,
            "usage": {"input_tokens": prompt, "output_tokens": 1},
        }
        out: list[bytes | object] = [
            _event("message_start", {"type": "message_start", "message": message}),
            _event("ping", {"type": "ping"}),
        ]
        index = -1
        open_text = False
        calls = 0

        def stop_block() -> None:
            nonlocal open_text
            if open_text:
                out.append(
                    _event("content_block_stop", {"type": "content_block_stop", "index": index})
                )
                open_text = False

        for item in reply.items:
            if isinstance(item, Text):
                if not open_text:
                    index += 1
                    open_text = True
                    block = {"type": "text", "text": ""}
                    start = {"type": "content_block_start", "index": index, "content_block": block}
                    out.append(_event("content_block_start", start))
                delta = {"type": "text_delta", "text": item.text}
                out.append(
                    _event(
                        "content_block_delta",
                        {"type": "content_block_delta", "index": index, "delta": delta},
                    )
                )
            elif isinstance(item, Call):
                stop_block()
                index += 1
                calls += 1
                block = {
                    "type": "tool_use",
                    "id": item.id or f"toolu_fake{calls}",
                    "name": item.name,
                    "input": {},
                }
                start = {"type": "content_block_start", "index": index, "content_block": block}
                out.append(_event("content_block_start", start))
                for piece in ["", *split_text(json.dumps(item.arguments), item.fragments)]:
                    delta = {"type": "input_json_delta", "partial_json": piece}
                    out.append(
                        _event(
                            "content_block_delta",
                            {"type": "content_block_delta", "index": index, "delta": delta},
                        )
                    )
                out.append(
                    _event("content_block_stop", {"type": "content_block_stop", "index": index})
                )
            elif isinstance(item, Malformed):
                out.append(
                    b'event: content_block_delta\ndata: {"type": "content_block_delta", \n\n'
                )
            elif isinstance(item, CutOff):
                out.append(CUT)
            elif isinstance(item, StreamError):
                error = self.render_error(HttpError(item.status, message=item.message))
                out.append(_event("error", error))
        stop_block()
        stop_reason = reply.finish or ("tool_use" if default_finish(reply.items) else "end_turn")
        out.append(
            _event(
                "message_delta",
                {
                    "type": "message_delta",
                    "delta": {"stop_reason": stop_reason, "stop_sequence": None},
                    "usage": {"output_tokens": completion},
                },
            )
        )
        out.append(_event("message_stop", {"type": "message_stop"}))
        return out

    def render_error(self, error: HttpError) -> dict[str, Any]:
        kind = _ERROR_TYPES.get(error.status, "api_error")
        message = error.message or {
            "authentication_error": "invalid x-api-key",
            "rate_limit_error": "Number of request tokens has exceeded your rate limit.",
        }.get(kind, "Internal server error")
        return {"type": "error", "error": {"type": kind, "message": message}}

    def refusal(self, request: Recorded) -> HttpError | None:
        problems = tool_problems(request.tools())
        return HttpError(400, message=problems[0]) if problems else None

    def read_turn(self, request: Recorded) -> Turn:
        body = request.json()
        names = [t["name"] for t in body.get("tools") or []]
        last = (body.get("messages") or [{}])[-1]
        content = last.get("content", "")
        if isinstance(content, str):
            return Turn(user_text=content, tool_names=names)
        results = [b for b in content if b.get("type") == "tool_result"]
        if results:
            result = results[-1].get("content", "")
            if isinstance(result, list):
                result = "".join(b.get("text", "") for b in result if isinstance(b, dict))
            return Turn(tool_result=str(result), tool_names=names)
        text = " ".join(b.get("text", "") for b in content if b.get("type") == "text")
        return Turn(user_text=text, tool_names=names)


if __name__ == "__main__":
    serve_main(FakeAnthropic, "fake Anthropic server")
