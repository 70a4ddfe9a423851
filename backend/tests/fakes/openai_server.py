"""A fake OpenAI Chat Completions server: `POST /v1/chat/completions` streamed as SSE chunks.

Tool calls stream the way OpenAI does it: a first delta with index, id and name, then the
arguments' JSON in pieces, each call under its own index. Usage comes in a last chunk with no
choices, then `data: [DONE]`.

Standalone: `python -m tests.fakes.openai_server --port 8101` (auto replies; see server.py).
"""

from __future__ import annotations

import json
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
        kind, code, message = _ERROR_CODES.get(
            error.status, ("server_error", "server_error", "The server had an error.")
        )
        return {
            "error": {
                "message": error.message or message,
                "type": kind,
                "param": None,
                "code": code,
            }
        }

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
