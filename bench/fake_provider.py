"""A fake LLM provider for benchmarks, run as its own process on 127.0.0.1.

Speaks two streaming wire formats, enough for the official SDKs:

    POST /v1/chat/completions   OpenAI Chat Completions (stream=true, stream_options.include_usage)
    POST /v1/messages           Anthropic Messages (stream=true)

Every streamed answer is the same deterministic text, token i being "w{i} ", so a client can tell
a dropped chunk (a token missing from the text) from a merged one (two tokens in one delta).
Timings are configurable: time to first token, delay between tokens, number of tokens. With
`--tool-calls`, a request that offers tools and does not end in a tool result is answered with
one call of the first offered tool (arguments {"q": "bench"}) instead of text.

    python bench/fake_provider.py --port 9101 --ttft-ms 150 --itl-ms 15 --tokens 24 --tool-calls

It is a raw ASGI app on uvicorn (uvloop, httptools) so the fake itself costs as little CPU as
possible: chunk bodies are built from pre-encoded templates, not models.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import time
from collections.abc import Awaitable, Callable, MutableMapping
from dataclasses import dataclass
from typing import Any

import uvicorn

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]

TOOL_ARGUMENTS = {"q": "bench"}


def token(index: int) -> str:
    """The i-th token of every streamed answer."""
    return f"w{index} "


def expected_text(tokens: int) -> str:
    return "".join(token(i) for i in range(tokens))


@dataclass(frozen=True)
class Timing:
    ttft_s: float
    itl_s: float
    tokens: int
    tool_calls: bool


_ids = itertools.count(1)


def _prompt_tokens(body: dict[str, Any]) -> int:
    return max(1, len(json.dumps(body.get("messages", []))) // 4)


def _wants_tool_call(body: dict[str, Any], timing: Timing, *, anthropic: bool) -> str | None:
    """Name of the tool to call, or None to answer with text."""
    tools = body.get("tools") or []
    if not timing.tool_calls or not tools:
        return None
    messages = body.get("messages") or []
    last = messages[-1] if messages else {}
    if anthropic:
        content = last.get("content")
        if isinstance(content, list) and any(
            isinstance(part, dict) and part.get("type") == "tool_result" for part in content
        ):
            return None
        return str(tools[0].get("name", "tool"))
    if last.get("role") == "tool":
        return None
    function = tools[0].get("function", {})
    return str(function.get("name", "tool"))


# --- OpenAI Chat Completions ----------------------------------------------------------------


def _openai_chunk(cid: str, model: str, delta: dict[str, Any], finish: str | None) -> bytes:
    chunk = {
        "id": cid,
        "object": "chat.completion.chunk",
        "created": int(time.time()),
        "model": model,
        "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
    }
    return b"data: " + json.dumps(chunk, separators=(",", ":")).encode() + b"\n\n"


def _openai_text_template(cid: str, model: str) -> tuple[bytes, bytes]:
    """Bytes before and after the JSON-encoded token of a content chunk."""
    marker = "\x00MARK\x00"
    raw = _openai_chunk(cid, model, {"content": marker}, None)
    before, after = raw.split(json.dumps(marker).encode())
    return before, after


async def _openai_stream(body: dict[str, Any], timing: Timing, send: Send) -> None:
    cid = f"chatcmpl-bench{next(_ids)}"
    model = str(body.get("model", "bench"))
    tool = _wants_tool_call(body, timing, anthropic=False)
    await asyncio.sleep(timing.ttft_s)
    if tool is not None:
        arguments = json.dumps(TOOL_ARGUMENTS)
        call = {"index": 0, "id": f"call_{cid}", "type": "function"}
        head = {**call, "function": {"name": tool, "arguments": ""}}
        await _more(
            send, _openai_chunk(cid, model, {"role": "assistant", "tool_calls": [head]}, None)
        )
        half = len(arguments) // 2
        for fragment in (arguments[:half], arguments[half:]):
            await asyncio.sleep(timing.itl_s)
            part = {"index": 0, "function": {"arguments": fragment}}
            await _more(send, _openai_chunk(cid, model, {"tool_calls": [part]}, None))
        finish, completion = "tool_calls", 3
    else:
        before, after = _openai_text_template(cid, model)
        first = {"role": "assistant", "content": token(0)}
        await _more(send, _openai_chunk(cid, model, first, None))
        for i in range(1, timing.tokens):
            await asyncio.sleep(timing.itl_s)
            await _more(send, before + json.dumps(token(i)).encode() + after)
        finish, completion = "stop", timing.tokens
    await _more(send, _openai_chunk(cid, model, {}, finish))
    if (body.get("stream_options") or {}).get("include_usage"):
        prompt = _prompt_tokens(body)
        usage = {
            "id": cid,
            "object": "chat.completion.chunk",
            "created": int(time.time()),
            "model": model,
            "choices": [],
            "usage": {
                "prompt_tokens": prompt,
                "completion_tokens": completion,
                "total_tokens": prompt + completion,
            },
        }
        await _more(send, b"data: " + json.dumps(usage).encode() + b"\n\n")
    await send({"type": "http.response.body", "body": b"data: [DONE]\n\n", "more_body": False})


# --- Anthropic Messages ---------------------------------------------------------------------


def _event(name: str, data: dict[str, Any]) -> bytes:
    return f"event: {name}\ndata: {json.dumps(data, separators=(',', ':'))}\n\n".encode()


async def _anthropic_stream(body: dict[str, Any], timing: Timing, send: Send) -> None:
    mid = f"msg_bench{next(_ids)}"
    model = str(body.get("model", "bench"))
    prompt = _prompt_tokens(body)
    tool = _wants_tool_call(body, timing, anthropic=True)
    await asyncio.sleep(timing.ttft_s)
    message: dict[str, Any] = {
        "id": mid,
        "type": "message",
        "role": "assistant",
        "content": [],
        "model": model,
        "stop_reason": None,
        "stop_sequence": None,
        "usage": {"input_tokens": prompt, "output_tokens": 1},
    }
    await _more(send, _event("message_start", {"type": "message_start", "message": message}))
    if tool is not None:
        block = {"type": "tool_use", "id": f"toolu_{mid}", "name": tool, "input": {}}
        arguments = json.dumps(TOOL_ARGUMENTS)
        half = len(arguments) // 2
        start = {"type": "content_block_start", "index": 0, "content_block": block}
        await _more(send, _event("content_block_start", start))
        for fragment in (arguments[:half], arguments[half:]):
            delta = {"type": "input_json_delta", "partial_json": fragment}
            await _more(
                send,
                _event(
                    "content_block_delta",
                    {"type": "content_block_delta", "index": 0, "delta": delta},
                ),
            )
            await asyncio.sleep(timing.itl_s)
        stop, completion = "tool_use", 3
    else:
        start = {
            "type": "content_block_start",
            "index": 0,
            "content_block": {"type": "text", "text": ""},
        }
        await _more(send, _event("content_block_start", start))
        for i in range(timing.tokens):
            if i:
                await asyncio.sleep(timing.itl_s)
            delta = {"type": "text_delta", "text": token(i)}
            await _more(
                send,
                _event(
                    "content_block_delta",
                    {"type": "content_block_delta", "index": 0, "delta": delta},
                ),
            )
        stop, completion = "end_turn", timing.tokens
    await _more(send, _event("content_block_stop", {"type": "content_block_stop", "index": 0}))
    final = {
        "type": "message_delta",
        "delta": {"stop_reason": stop, "stop_sequence": None},
        "usage": {"output_tokens": completion},
    }
    await _more(send, _event("message_delta", final))
    last = _event("message_stop", {"type": "message_stop"})
    await send({"type": "http.response.body", "body": last, "more_body": False})


# --- ASGI plumbing --------------------------------------------------------------------------


async def _more(send: Send, body: bytes) -> None:
    await send({"type": "http.response.body", "body": body, "more_body": True})


async def _read_body(receive: Receive) -> bytes:
    chunks = []
    while True:
        message = await receive()
        chunks.append(message.get("body", b""))
        if not message.get("more_body"):
            return b"".join(chunks)


async def _json(send: Send, status: int, payload: dict[str, Any]) -> None:
    body = json.dumps(payload).encode()
    headers = [(b"content-type", b"application/json")]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


def _complete(body: dict[str, Any], timing: Timing, *, anthropic: bool) -> dict[str, Any]:
    """A non-streamed answer (the SDKs' plain `create`), for completeness."""
    text = expected_text(timing.tokens)
    if anthropic:
        return {
            "id": f"msg_bench{next(_ids)}",
            "type": "message",
            "role": "assistant",
            "model": body.get("model", "bench"),
            "content": [{"type": "text", "text": text}],
            "stop_reason": "end_turn",
            "stop_sequence": None,
            "usage": {"input_tokens": _prompt_tokens(body), "output_tokens": timing.tokens},
        }
    return {
        "id": f"chatcmpl-bench{next(_ids)}",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": body.get("model", "bench"),
        "choices": [
            {"index": 0, "message": {"role": "assistant", "content": text}, "finish_reason": "stop"}
        ],
        "usage": {
            "prompt_tokens": _prompt_tokens(body),
            "completion_tokens": timing.tokens,
            "total_tokens": _prompt_tokens(body) + timing.tokens,
        },
    }


def build_app(timing: Timing) -> Callable[[Scope, Receive, Send], Awaitable[None]]:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            while (await receive())["type"] != "lifespan.shutdown":
                await send({"type": "lifespan.startup.complete"})
            await send({"type": "lifespan.shutdown.complete"})
            return
        if scope["type"] != "http":
            return
        path, method = scope["path"], scope["method"]
        if method == "GET" and path == "/health":
            await _json(send, 200, {"status": "ok"})
            return
        anthropic = path.endswith("/v1/messages")
        if method != "POST" or not (anthropic or path.endswith("/chat/completions")):
            await _json(send, 404, {"error": {"type": "not_found", "message": path}})
            return
        headers = dict(scope["headers"])
        if not (headers.get(b"authorization") or headers.get(b"x-api-key")):
            await _json(send, 401, {"error": {"type": "authentication_error", "message": "no key"}})
            return
        try:
            body = json.loads(await _read_body(receive))
        except ValueError:
            await _json(send, 400, {"error": {"type": "invalid_request_error", "message": "json"}})
            return
        if not body.get("stream"):
            await _json(send, 200, _complete(body, timing, anthropic=anthropic))
            return
        start = {
            "type": "http.response.start",
            "status": 200,
            "headers": [(b"content-type", b"text/event-stream"), (b"cache-control", b"no-cache")],
        }
        await send(start)
        stream = _anthropic_stream if anthropic else _openai_stream
        await stream(body, timing, send)

    return app


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=9101)
    parser.add_argument("--ttft-ms", type=float, default=150.0, help="time to first token")
    parser.add_argument("--itl-ms", type=float, default=15.0, help="delay between tokens")
    parser.add_argument("--tokens", type=int, default=24, help="tokens per answer")
    parser.add_argument("--tool-calls", action="store_true", help="answer tool offers with a call")
    args = parser.parse_args()
    if args.host not in ("127.0.0.1", "::1", "localhost"):
        parser.error("the fake provider only listens on the loopback interface")
    timing = Timing(args.ttft_ms / 1000, args.itl_ms / 1000, max(1, args.tokens), args.tool_calls)
    uvicorn.run(
        build_app(timing),
        host=args.host,
        port=args.port,
        log_level="warning",
        access_log=False,
        loop="uvloop",
        http="httptools",
        backlog=4096,
    )


if __name__ == "__main__":
    main()
