"""A real HTTP server on 127.0.0.1 for tool tests: records every request, answers from routes.

    server = FakeToolServer()
    server.route("GET", "/users/42", lambda req: (200, {"Content-Type": "application/json"}, b"{}"))
    with server: ...   # started in a background thread; server.url is http://127.0.0.1:<port>

Unrouted paths answer with a JSON echo of the request (method, path, query, headers, body).
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit


@dataclass
class RecordedRequest:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: bytes

    def header(self, name: str) -> str | None:
        return next((v for k, v in self.headers.items() if k.lower() == name.lower()), None)

    def json(self) -> Any:
        return json.loads(self.body)

    def echo(self) -> dict[str, Any]:
        return {
            "method": self.method,
            "path": self.path,
            "query": self.query,
            "headers": self.headers,
            "body": self.body.decode("utf-8", "replace"),
        }


Reply = tuple[int, dict[str, str], bytes]
Handler = Callable[[RecordedRequest], Reply]


def json_reply(status: int, value: Any, headers: dict[str, str] | None = None) -> Reply:
    merged = {"Content-Type": "application/json", **(headers or {})}
    return status, merged, json.dumps(value).encode()


@dataclass
class FakeToolServer:
    host: str = "127.0.0.1"
    requests: list[RecordedRequest] = field(default_factory=list)
    routes: dict[tuple[str, str], Handler] = field(default_factory=dict)

    def __post_init__(self) -> None:
        server = self

        class _Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:
                pass

            def _handle(self) -> None:
                parts = urlsplit(self.path)
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                request = RecordedRequest(
                    self.command, parts.path, parse_qs(parts.query), dict(self.headers), body
                )
                server.requests.append(request)
                handler = server.routes.get((self.command, parts.path))
                status, headers, payload = (
                    handler(request) if handler else json_reply(200, request.echo())
                )
                self.send_response(status)
                for key, value in headers.items():
                    self.send_header(key, value)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(payload)

            do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = _handle

        self._server = ThreadingHTTPServer((self.host, 0), _Handler)
        self._server.daemon_threads = True
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def route(self, method: str, path: str, handler: Handler) -> None:
        self.routes[(method, path)] = handler

    def start(self) -> FakeToolServer:
        self._thread = threading.Thread(
            target=self._server.serve_forever, args=(0.05,), daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> FakeToolServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
