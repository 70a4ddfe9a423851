"""A local HTTP tool for the tool-hop scenario, run as its own process on 127.0.0.1.

    GET /lookup?q=...   ->  {"q": "...", "answer": "42"}   (after --delay-ms, default 0)
    GET /openapi.json   ->  the OpenAPI 3.0 spec the harness imports as the agent's tool

Raw ASGI on uvicorn, like the fake provider, so the tool server adds as little as possible.
"""

from __future__ import annotations

import argparse
import asyncio
import json
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any
from urllib.parse import parse_qs

import uvicorn

Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]

TOOL_NAME = "lookup"


def openapi_spec(base_url: str) -> dict[str, Any]:
    """The spec of the one tool; operationId becomes the tool name."""
    return {
        "openapi": "3.0.3",
        "info": {"title": "Bench lookup", "version": "1.0.0"},
        "servers": [{"url": base_url}],
        "paths": {
            "/lookup": {
                "get": {
                    "operationId": TOOL_NAME,
                    "summary": "Look up a short answer",
                    "parameters": [
                        {"name": "q", "in": "query", "required": True, "schema": {"type": "string"}}
                    ],
                    "responses": {"200": {"description": "the answer"}},
                }
            }
        },
    }


def build_app(delay_s: float, base_url: str) -> Callable[[Scope, Receive, Send], Awaitable[None]]:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            while (await receive())["type"] != "lifespan.shutdown":
                await send({"type": "lifespan.startup.complete"})
            await send({"type": "lifespan.shutdown.complete"})
            return
        if scope["type"] != "http":
            return
        status, payload = 404, {"error": "not found"}
        if scope["path"] == "/lookup":
            if delay_s:
                await asyncio.sleep(delay_s)
            query = parse_qs(scope["query_string"].decode())
            status, payload = 200, {"q": query.get("q", [""])[0], "answer": "42"}
        elif scope["path"] in ("/openapi.json", "/health"):
            status, payload = 200, openapi_spec(base_url)
        body = json.dumps(payload).encode()
        headers = [(b"content-type", b"application/json")]
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": body})

    return app


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=9102)
    parser.add_argument("--delay-ms", type=float, default=0.0)
    args = parser.parse_args()
    if args.host not in ("127.0.0.1", "::1", "localhost"):
        parser.error("the tool server only listens on the loopback interface")
    app = build_app(args.delay_ms / 1000, f"http://{args.host}:{args.port}")
    uvicorn.run(
        app,
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
