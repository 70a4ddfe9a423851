"""A fake Gemini API: `POST /v1beta/models/{model}:streamGenerateContent?alt=sse`.

Each text item is one SSE chunk; consecutive tool calls share one chunk as whole `functionCall`
parts (Gemini does not stream arguments; use `byte_chunk` to cut the frame into network pieces).
The first call of a reply carries a `thoughtSignature` (`Call.signature`, else SIGNATURE), as
Gemini 3 does; `requests` holds what came back. The last chunk carries `finishReason` and
`usageMetadata`.

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


FUNCTION_NAME = re.compile(r"^[a-zA-Z_][a-zA-Z0-9_.:-]{0,63}$")
# The fields of the Schema message `parameters` is parsed into (protobuf JSON also takes the
# snake_case spelling of each).
SCHEMA_FIELDS = {
    "type",
    "format",
    "title",
    "description",
    "nullable",
    "enum",
    "maxItems",
    "minItems",
    "properties",
    "required",
    "minProperties",
    "maxProperties",
    "minLength",
    "maxLength",
    "pattern",
    "example",
    "anyOf",
    "propertyOrdering",
    "default",
    "items",
    "minimum",
    "maximum",
}
TYPES = {"TYPE_UNSPECIFIED", "STRING", "NUMBER", "INTEGER", "BOOLEAN", "ARRAY", "OBJECT", "NULL"}


def _camel(key: str) -> str:
    head, *rest = key.split("_")
    return head + "".join(part.title() for part in rest)


def schema_problems(schema: Any, where: str) -> list[str]:
    """What Gemini says about a `parameters` schema it refuses (its own wording)."""
    if not isinstance(schema, dict):
        return [f"Invalid JSON payload received. Expected an object at '{where}'."]
    node = {_camel(k): v for k, v in schema.items()}
    for key in schema:
        if _camel(key) not in SCHEMA_FIELDS:
            return [
                f"Invalid JSON payload received. Unknown name \"{key}\" at '{where}': "
                "Cannot find field."
            ]
    kind = node.get("type")
    if isinstance(kind, list):
        return [
            f"Invalid JSON payload received. Unknown name \"type\" at '{where}': "
            "Proto field is not repeating, cannot start list."
        ]
    kind = str(kind).upper() if kind is not None else "TYPE_UNSPECIFIED"
    if kind not in TYPES:
        return [f"Invalid value at '{where}.type' (Type), \"{node['type']}\""]
    problems = []
    semantic = f"* GenerateContentRequest.{where}"
    properties = node.get("properties")
    if properties is not None:
        if kind != "OBJECT":
            problems.append(f"{semantic}.properties: only allowed for OBJECT type")
        elif not properties:
            problems.append(f"{semantic}.properties: should be non-empty for OBJECT type")
        for name, sub in (properties or {}).items():
            problems += schema_problems(sub, f"{where}.properties[{name}].value")
    for index, name in enumerate(node.get("required") or []):
        if name not in (properties or {}):
            problems.append(f"{semantic}.required[{index}]: property is not defined")
    if "items" in node:
        if kind != "ARRAY":
            problems.append(f"{semantic}.items: only allowed for ARRAY type")
        problems += schema_problems(node["items"], f"{where}.items")
    elif kind == "ARRAY":
        problems.append(f"{semantic}.items: missing field")
    if "enum" in node and (kind != "STRING" and node.get("format") != "enum"):
        problems.append(f"{semantic}.enum: only allowed for STRING type")
    if any(not isinstance(v, str) for v in node.get("enum") or []):
        problems.append(f"Invalid value at '{where}.enum' (TYPE_STRING)")
    for index, branch in enumerate(node.get("anyOf") or []):
        problems += schema_problems(branch, f"{where}.any_of[{index}]")
    return problems


def tool_problems(tools: list[Any]) -> list[str]:
    problems = []
    for t, tool in enumerate(tools):
        declarations = tool.get("functionDeclarations") or tool.get("function_declarations") or []
        for d, declaration in enumerate(declarations):
            where = f"tools[{t}].function_declarations[{d}]"
            if not FUNCTION_NAME.match(str(declaration.get("name", ""))):
                problems.append(
                    f"* GenerateContentRequest.{where}.name: Invalid function name. Must start "
                    "with a letter or an underscore. Must be alphameric (a-z, A-Z, 0-9), "
                    "underscores (_), dots (.), colons (:), or dashes (-), with a maximum "
                    "length of 64."
                )
            if declaration.get("parameters") is not None:
                problems += schema_problems(declaration["parameters"], f"{where}.parameters")
    return problems


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
                    part["thoughtSignature"] = item.signature or SIGNATURE
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

    def refusal(self, request: Recorded) -> HttpError | None:
        problems = tool_problems(request.tools())
        return HttpError(400, message="\n".join(problems)) if problems else None

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
