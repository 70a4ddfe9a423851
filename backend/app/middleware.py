"""The ASGI middleware every HTTP request passes: the body-size limit and the last-resort 500.

Outermost first (see create_app): CORS, CatchUnhandled, BodySizeLimit, IpRateLimit
(app.auth.ratelimit), RequestGuard (app.validation), then FastAPI's exception handlers and the
routes.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.exceptions import error_body, unhandled_error_response


class BodyTooLarge(StarletteHTTPException):
    def __init__(self, message: str, code: str = "payload_too_large") -> None:
        super().__init__(413, message)
        self.code = code


@dataclass(frozen=True)
class RouteBodyLimit:
    """A route whose bodies may be larger than MAX_REQUEST_BYTES (a pasted OpenAPI document):
    `path` is matched in full against the request path; over `max_bytes` the 413 has `code`
    and `message`, which names the setting that governs it."""

    method: str
    path: re.Pattern[str]
    max_bytes: int
    code: str
    message: str


class BodySizeLimit:
    """Refuse request bodies over MAX_REQUEST_BYTES (413, JSON error): at once when the
    Content-Length says so, else by counting the bytes as they stream (a chunked body has no
    Content-Length), so a route never buffers more than the limit. A route in `routes` has its
    own limit, counted the same way.

    Hand-written rather than FastAPI's `max_body_size`, whose limiter answers a declared
    oversize Content-Length with a plain-text 413 whatever the app sends."""

    def __init__(self, app: ASGIApp, max_bytes: int, routes: Sequence[RouteBodyLimit] = ()) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.routes = tuple(routes)

    def _limit_for(self, scope: Scope) -> tuple[int, str, str]:
        for route in self.routes:
            if scope["method"] == route.method and route.path.fullmatch(scope["path"]):
                return route.max_bytes, route.code, route.message
        return self.max_bytes, "payload_too_large", f"Request body is over {self.max_bytes} bytes"

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        max_bytes, code, refusal = self._limit_for(scope)
        length = dict(scope["headers"]).get(b"content-length")
        if length is not None and length.isdigit() and int(length) > max_bytes:
            await self._refuse(scope, receive, send, code, refusal)
            return
        received = 0
        started = False

        async def counting_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > max_bytes:
                    raise BodyTooLarge(refusal, code)  # routes answer it as an HTTP 413
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counting_receive, tracking_send)
        except BodyTooLarge:
            if started:
                raise
            await self._refuse(scope, receive, send, code, refusal)

    async def _refuse(
        self, scope: Scope, receive: Receive, send: Send, code: str, message: str
    ) -> None:
        body = error_body(code, message)
        await JSONResponse(body, 413)(scope, receive, send)


class CatchUnhandled:
    """Answer an exception no handler took (a bug) with the JSON 500 right here.

    Starlette's outermost ServerErrorMiddleware would answer it too, but then re-raises it to
    the server: uvicorn logs the whole exception text (SQL parameters included) and closes the
    keep-alive connection. Here the exception is logged once, without its message (see
    app.exceptions), and the connection stays usable."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def tracking_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive, tracking_send)
        except Exception as exc:
            response = await unhandled_error_response(Request(scope), exc)
            if not started:  # else the response is half sent: the server closes the connection
                await response(scope, receive, send)
