"""A fake OpenAI Chat Completions server: `POST /v1/chat/completions` streamed as SSE chunks.

Tool calls stream the way OpenAI does it: a first delta with index, id and name, then the
arguments' JSON in pieces, each call under its own index. Usage comes in a last chunk with no
choices, then `data: [DONE]`.

Standalone: `python -m tests.fakes.openai_server --port 8101` (auto replies; see server.py).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
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

_ERROR_CODES = {
    401: ("invalid_request_error", "invalid_api_key", "Incorrect API key provided."),
    403: ("invalid_request_error", "forbidden", "You are not allowed to use this model."),
    404: ("invalid_request_error", "model_not_found", "The model does not exist."),
    429: ("requests", "rate_limit_exceeded", "Rate limit reached for requests."),
}


MAX_TOOLS = 128
FUNCTION_NAME = re.compile(r"^[a-zA-Z0-9_-]{1,64}$")


@dataclass
class Refused(HttpError):
    """OpenAI's 400 with its `param` and `code`."""

    param: str | None = None
    code: str = "invalid_value"


def tool_refusal(tools: list[Any]) -> Refused | None:
    """OpenAI's refusal of a request's tools (its own wording), or None."""
    if len(tools) > MAX_TOOLS:
        return Refused(
            400,
            message=f"Invalid 'tools': array too long. Expected an array with maximum length "
            f"{MAX_TOOLS}, but got an array with length {len(tools)} instead.",
            param="tools",
            code="array_above_max_length",
        )
    for i, tool in enumerate(tools):
        function = tool.get("function") or {}
        name = str(function.get("name", ""))
        if not FUNCTION_NAME.match(name):
            return Refused(
                400,
                message=f"Invalid 'tools[{i}].function.name': string does not match pattern. "
                "Expected a string that matches the pattern '^[a-zA-Z0-9_-]+$'.",
                param=f"tools[{i}].function.name",
            )
        problem = _parameters_problem(function.get("parameters"))
        if problem:
            return Refused(
                400,
                message=f"Invalid schema for function '{name}': {problem}",
                param=f"tools[{i}].function.parameters",
                code="invalid_function_parameters",
            )
    return None


def _parameters_problem(schema: Any) -> str | None:
    if schema is None:
        return None
    kind = schema.get("type") if isinstance(schema, dict) else None
    if kind != "object" or any(k in schema for k in ("anyOf", "oneOf", "allOf", "enum", "not")):
        return f"schema must be a JSON Schema of 'type: \"object\"', got 'type: \"{kind}\"'."
    return _missing_items(schema, ())


def _missing_items(node: Any, context: tuple[str, ...]) -> str | None:
    if isinstance(node, list):
        for index, item in enumerate(node):
            if found := _missing_items(item, (*context, str(index))):
                return found
        return None
    if not isinstance(node, dict):
        return None
    kind = node.get("type")
    kinds: list[Any] = kind if isinstance(kind, list) else [kind]
    if "array" in kinds and "items" not in node and "prefixItems" not in node:
        return f"In context={context}, array schema missing items."
    for key, value in node.items():
        if key in ("properties", "$defs", "definitions") and isinstance(value, dict):
            for name, sub in value.items():
                if found := _missing_items(sub, (*context, key, name)):
                    return found
        elif key in ("items", "anyOf", "oneOf", "allOf", "additionalProperties") and (
            found := _missing_items(value, (*context, key))
        ):
            return found
    return None


class FakeOpenAI(FakeServer):
    def render_stream(self, reply: Reply, request: Recorded) -> list[bytes | object]:
        model = request.json().get("model", self.default_model)

        def chunk(delta: dict[str, Any] | None = None, finish: str | None = None) -> bytes:
            data = {
                "id": "chatcmpl-fake",
                "object": "chat.completion.chunk",
                "created": 1700000000,
                "model": model,
                "choices": [{"index": 0, "delta": delta or {}, "finish_reason": finish}],
            }
            return f"data: {json.dumps(data)}\n\n".encode()

        out: list[bytes | object] = [chunk({"role": "assistant", "content": ""})]
        calls = 0
        for item in reply.items:
            if isinstance(item, Text):
                out.append(chunk({"content": item.text}))
            elif isinstance(item, Call):
                index, calls = calls, calls + 1
                head = {
                    "index": index,
                    "id": item.id or f"call_fake{index + 1}",
                    "type": "function",
                    "function": {"name": item.name, "arguments": ""},
                }
                out.append(chunk({"tool_calls": [head]}))
                for piece in split_text(json.dumps(item.arguments), item.fragments):
                    delta = {"tool_calls": [{"index": index, "function": {"arguments": piece}}]}
                    out.append(chunk(delta))
            elif isinstance(item, Malformed):
                out.append(b'data: {"id": "chatcmpl-fake", "choices": [{"delta": {"content": \n\n')
            elif isinstance(item, CutOff):
                out.append(CUT)
            elif isinstance(item, StreamError):
                error = self.render_error(HttpError(item.status, message=item.message))
                out.append(f"data: {json.dumps(error)}\n\n".encode())
        finish = reply.finish or ("tool_calls" if default_finish(reply.items) else "stop")
        out.append(chunk(finish=finish))
        out.append(b"data: [DONE]\n\n")
        if reply.usage is None:  # many OpenAI-compatible servers ignore include_usage
            return out
        prompt, completion = reply.usage
        usage = {
            "id": "chatcmpl-fake",
            "object": "chat.completion.chunk",
            "created": 1700000000,
            "model": model,
            "choices": [],
            "usage": {
                "prompt_tokens": prompt,
                "completion_tokens": completion,
                "total_tokens": prompt + completion,
            },
        }
        out.insert(-1, f"data: {json.dumps(usage)}\n\n".encode())
        return out

    def render_error(self, error: HttpError) -> dict[str, Any]:
        if isinstance(error, Refused):
            kind, code, message = "invalid_request_error", error.code, ""
        else:
            kind, code, message = _ERROR_CODES.get(
                error.status, ("server_error", "server_error", "The server had an error.")
            )
        return {
            "error": {
                "message": error.message or message,
                "type": kind,
                "param": error.param if isinstance(error, Refused) else None,
                "code": code,
            }
        }

    def refusal(self, request: Recorded) -> HttpError | None:
        return tool_refusal(request.tools())

    def read_turn(self, request: Recorded) -> Turn:
        body = request.json()
        names = [t["function"]["name"] for t in body.get("tools") or []]
        last = (body.get("messages") or [{}])[-1]
        if last.get("role") == "tool":
            return Turn(tool_result=str(last.get("content", "")), tool_names=names)
        content = last.get("content")
        if isinstance(content, list):
            content = " ".join(p.get("text", "") for p in content if isinstance(p, dict))
        return Turn(user_text=str(content or ""), tool_names=names)


if __name__ == "__main__":
    serve_main(FakeOpenAI, "fake OpenAI server")
