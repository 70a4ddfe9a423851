"""A fake Gemini API: `POST /v1beta/models/{model}:streamGenerateContent?alt=sse`.

Each text item is one SSE chunk; consecutive tool calls share one chunk as whole `functionCall`
parts (Gemini does not stream arguments; use `byte_chunk` to cut the frame into network pieces).
The first call of a reply carries a `thoughtSignature`, as Gemini 3 does. The last chunk carries
`finishReason` and `usageMetadata`.

Standalone: `python -m tests.fakes.google_server --port 8103` (auto replies; see server.py).
"""

from __future__ import annotations

import base64
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
    serve_main,
)

SIGNATURE = base64.b64encode(b"fake-thought-signature").decode()
_STATUS = {
    400: "INVALID_ARGUMENT",
    401: "UNAUTHENTICATED",
    403: "PERMISSION_DENIED",
    404: "NOT_FOUND",
    429: "RESOURCE_EXHAUSTED",
    500: "INTERNAL",
    503: "UNAVAILABLE",
}


class FakeGoogle(FakeServer):
    def model_of(self, request: Recorded) -> str:
        match = re.search(r"/models/([^/:?]+)", request.path)
        return match.group(1) if match else self.default_model

    def render_stream(self, reply: Reply, request: Recorded) -> list[bytes | object]:
        model = self.model_of(request)

        def chunk(candidate: dict[str, Any], usage: dict[str, int] | None = None) -> bytes:
            data: dict[str, Any] = {"candidates": [{**candidate, "index": 0}]}
            if usage:
                data["usageMetadata"] = usage
            data["modelVersion"] = model
            return f"data: {json.dumps(data)}\r\n\r\n".encode()

        out: list[bytes | object] = []
        pending_calls: list[dict[str, Any]] = []
        signed = False

        def flush_calls() -> None:
            if pending_calls:
                out.append(chunk({"content": {"role": "model", "parts": list(pending_calls)}}))
                pending_calls.clear()

        for item in reply.items:
            if not isinstance(item, Call):
                flush_calls()
            if isinstance(item, Text):
                out.append(chunk({"content": {"role": "model", "parts": [{"text": item.text}]}}))
            elif isinstance(item, Call):
                function_call: dict[str, Any] = {"name": item.name, "args": item.arguments}
                if item.id:
                    function_call["id"] = item.id
                part: dict[str, Any] = {"functionCall": function_call}
                if not signed:
                    part["thoughtSignature"] = SIGNATURE
                    signed = True
                pending_calls.append(part)
            elif isinstance(item, Malformed):
                out.append(b'data: {"candidates": [{"content": {"parts": [\r\n\r\n')
            elif isinstance(item, CutOff):
                out.append(CUT)
            elif isinstance(item, StreamError):
                error = self.render_error(HttpError(item.status, message=item.message))
                out.append(f"data: {json.dumps(error)}\r\n\r\n".encode())
        flush_calls()
        prompt, completion = reply.usage or (0, 0)
        usage = {
            "promptTokenCount": prompt,
            "candidatesTokenCount": completion,
            "totalTokenCount": prompt + completion,
        }
        out.append(chunk({"finishReason": reply.finish or "STOP"}, usage))
        return out

    def render_error(self, error: HttpError) -> dict[str, Any]:
        status = _STATUS.get(error.status, "INTERNAL")
        message = error.message or {
            401: "API key not valid. Please pass a valid API key.",
            429: "Resource has been exhausted (e.g. check quota).",
        }.get(error.status, "An internal error has occurred.")
        return {"error": {"code": error.status, "message": message, "status": status}}

    def read_turn(self, request: Recorded) -> Turn:
        body = request.json()
        names = [
            d["name"]
            for tool in body.get("tools") or []
            for d in tool.get("functionDeclarations") or []
        ]
        last = (body.get("contents") or [{}])[-1]
        parts = last.get("parts") or []
        responses = [p["functionResponse"] for p in parts if "functionResponse" in p]
        if responses:
            response = responses[-1].get("response") or {}
            result = response.get("result", response.get("error", response))
            text = result if isinstance(result, str) else json.dumps(result)
            return Turn(tool_result=text, tool_names=names)
        text = " ".join(p.get("text", "") for p in parts if "text" in p)
        return Turn(user_text=text, tool_names=names)


if __name__ == "__main__":
    serve_main(FakeGoogle, "fake Gemini server")
