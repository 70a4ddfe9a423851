"""Input that the database, the stack or the HTTP client cannot take, refused at the door.

One mechanism for the whole API, so a route added tomorrow is covered without thinking of it:
`RequestGuard` (an ASGI middleware in front of every HTTP route) refuses with a 422
`validation_error` naming the field:

- a NUL character (`\\u0000`) anywhere in a JSON body (keys and values, JSON columns such as
  `input_schema`, `model_config`, `auth_config` included), a query string, the path or a header:
  PostgreSQL stores no NUL in text nor in JSONB, and would answer a 500;
- a lone UTF-16 surrogate (`"\\ud800"`) in a JSON string: not encodable as UTF-8, same fate;
- `NaN` / `Infinity` (or `1e999`) in a JSON body: not JSON, and refused by JSONB;
- an integer outside 64 bits in a JSON body: no database column takes it;
- a JSON body nested deeper than `MAX_JSON_DEPTH` (64) arrays/objects: recursive code further
  in (schema validation, serialisation) would exhaust the stack.

The body is read through `app.middleware.BodySizeLimit`, which counts bytes as they stream (chunked
bodies included): over the limit is a 413 in our error format.

What cannot be checked without knowing the field lives in the schemas, with the shared types
here: `Offset` for pagination (bounded, so `offset=2**63` is a 422, not a driver overflow) and
`HttpUrl` for every URL we later connect to (its host must be a valid IDNA name, which is what
the HTTP client needs to connect). `check_json` is also what the playground applies to each
WebSocket frame.
"""

from __future__ import annotations

import email.message
import json
import math
from collections.abc import Iterator
from typing import Annotated, Any
from urllib.parse import parse_qsl

import httpx
from fastapi import Query
from pydantic import AfterValidator, AnyHttpUrl
from pydantic_core import PydanticCustomError
from starlette.exceptions import HTTPException
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.exceptions import error_body

MAX_JSON_DEPTH = 64
# Pagination beyond this is meaningless and keeps well inside every driver's integer range.
MAX_OFFSET = 2**31 - 1
_INT64_MIN, _INT64_MAX = -(2**63), 2**63 - 1

Offset = Annotated[int, Query(ge=0, le=MAX_OFFSET, description="Items to skip")]


class InputRefused(Exception):
    """Input no route should see; `loc` is where, in the same form as validation errors."""

    def __init__(self, loc: tuple[str, ...], message: str, kind: str) -> None:
        super().__init__(message)
        self.loc = loc
        self.message = message
        self.kind = kind

    @property
    def where(self) -> str:
        path = self.loc[1:]
        if len(path) > 6:  # a too-deep location: the field it starts at says enough
            path = (*path[:4], "…")
        return ".".join(path) or self.loc[0]

    def body(self) -> dict[str, Any]:
        error = {"loc": list(self.loc), "msg": self.message, "type": self.kind}
        return error_body("validation_error", f"{self.where}: {self.message}", {"errors": [error]})


# -- text and JSON ----------------------------------------------------------------------------

NUL_MESSAGE = "must not contain NUL characters (\\u0000)"


def text_problem(value: str) -> tuple[str, str] | None:
    """(message, type) when `value` cannot be stored as text, else None."""
    if "\x00" in value:
        return NUL_MESSAGE, "string_nul"
    if not value.isascii():
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return "must be valid Unicode (no lone surrogate escapes)", "string_unicode"
    return None


def _shown(key: str) -> str:
    # A key is echoed in the error's location: keep it short and printable.
    return key.replace("\x00", "\\u0000").encode("utf-8", "backslashreplace").decode()[:64]


def _refuse_constant(name: str) -> Any:
    raise InputRefused(("body",), f"{name} is not a JSON number", "json_invalid")


def check_json(raw: str | bytes, *, root: tuple[str, ...] = ("body",)) -> Any:
    """Parse JSON and refuse what no route should see (see the module docstring).

    Raises InputRefused, or ValueError when `raw` is not JSON at all."""
    try:
        data = json.loads(raw, parse_constant=_refuse_constant)
    except RecursionError:
        raise InputRefused(root, _too_deep_message(), "too_deep") from None
    except InputRefused as exc:
        raise InputRefused(root, exc.message, exc.kind) from None
    if _has_problem(data):  # the cheap pass; the second one finds where, for the message
        for loc, problem in _walk(data, root):
            raise InputRefused(loc, *problem)
    return data


def _has_problem(data: Any) -> bool:
    stack: list[tuple[Any, int]] = [(data, 1)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, str):
            if "\x00" in value or (not value.isascii() and text_problem(value) is not None):
                return True
        elif isinstance(value, dict):
            if depth > MAX_JSON_DEPTH or any(text_problem(k) for k in value):
                return True
            stack.extend((item, depth + 1) for item in value.values())
        elif isinstance(value, list):
            if depth > MAX_JSON_DEPTH:
                return True
            stack.extend((item, depth + 1) for item in value)
        elif isinstance(value, float):
            if not math.isfinite(value):
                return True
        elif isinstance(value, int) and not _INT64_MIN <= value <= _INT64_MAX:
            return True
    return False


def _too_deep_message() -> str:
    return f"nested deeper than {MAX_JSON_DEPTH} levels of arrays and objects"


def _walk(data: Any, root: tuple[str, ...]) -> Iterator[tuple[tuple[str, ...], tuple[str, str]]]:
    # Iterative on purpose: this runs on input that may be deep enough to blow the stack.
    stack: list[tuple[Any, tuple[str, ...], int]] = [(data, root, 1)]
    while stack:
        value, loc, depth = stack.pop()
        if isinstance(value, str):
            problem = text_problem(value)
            if problem is not None:
                yield loc, problem
        elif isinstance(value, float) and not math.isfinite(value):  # 1e999 parses as inf
            yield loc, ("must be a finite number", "json_invalid")
        elif isinstance(value, int) and not _INT64_MIN <= value <= _INT64_MAX:
            yield loc, ("must fit in a 64-bit integer", "int_range")
        elif isinstance(value, dict | list):
            if depth > MAX_JSON_DEPTH:
                yield loc, (_too_deep_message(), "too_deep")
                continue
            if isinstance(value, dict):
                for key, item in value.items():
                    here = (*loc, _shown(key))
                    problem = text_problem(key)
                    if problem is not None:
                        yield here, (f"key {problem[0]}", problem[1])
                    stack.append((item, here, depth + 1))
            else:
                stack.extend((item, (*loc, str(i)), depth + 1) for i, item in enumerate(value))


# -- URLs -------------------------------------------------------------------------------------


def check_http_url(value: str) -> str:
    """An http(s) URL the HTTP client can connect to: its host must be a valid IDNA name
    (`xn--ls8h.la`, a zero-width joiner or a label of symbols pass URL parsing but make httpx
    raise when the request is built). For validators: raises PydanticCustomError."""
    try:
        url = httpx.URL(value)
        url.host  # noqa: B018  (decoding the host is the check)
    except (httpx.InvalidURL, ValueError):  # idna.IDNAError and UnicodeError are ValueErrors
        raise PydanticCustomError(
            "url_host", "the host is not a valid domain name (IDNA)"
        ) from None
    if url.scheme not in ("http", "https") or not url.host:
        raise PydanticCustomError("url_scheme", "must be an http(s) URL with a host")
    return value


def _checked_url(value: AnyHttpUrl) -> AnyHttpUrl:
    check_http_url(str(value))
    return value


HttpUrl = Annotated[AnyHttpUrl, AfterValidator(_checked_url)]


# -- the middleware ---------------------------------------------------------------------------


class RequestGuard:
    """Refuse a request whose path, query, headers or JSON body hold what no route can store
    or process (422), or whose JSON body is over the size limit (413), before any route runs.

    Sits inside the body-size limit (app.middleware.BodySizeLimit), whose `receive` raises a 413
    HTTPException once the streamed bytes pass the limit."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        try:
            _check_request_line(scope)
        except InputRefused as exc:
            await JSONResponse(exc.body(), 422)(scope, receive, send)
            return
        if not _is_json(scope):
            await self.app(scope, receive, send)
            return
        try:
            body = await _read_body(receive)
        except HTTPException as exc:  # the body-size limit
            refusal = error_body(getattr(exc, "code", "payload_too_large"), str(exc.detail))
            await JSONResponse(refusal, exc.status_code)(scope, receive, send)
            return
        if body is None:
            return  # the client went away
        if body:
            try:
                check_json(body)
            except InputRefused as exc:
                await JSONResponse(exc.body(), 422)(scope, receive, send)
                return
            except (ValueError, UnicodeDecodeError):
                pass  # not JSON: the route answers it (422 json_invalid)
        await self.app(scope, _replay(body, receive), send)


def _check_request_line(scope: Scope) -> None:
    if "\x00" in scope["path"]:
        raise InputRefused(("path",), NUL_MESSAGE, "string_nul")
    query = scope.get("query_string", b"").decode("latin-1")
    if "%00" in query or "\x00" in query:
        for key, value in parse_qsl(query, keep_blank_values=True):
            if "\x00" in key or "\x00" in value:
                raise InputRefused(("query", _shown(key)), NUL_MESSAGE, "string_nul")
    for name, value in scope["headers"]:
        if b"\x00" in value:
            raise InputRefused(("header", name.decode("latin-1")), NUL_MESSAGE, "string_nul")


def _is_json(scope: Scope) -> bool:
    for name, value in scope["headers"]:
        if name == b"content-type":
            message = email.message.Message()
            message["content-type"] = value.decode("latin-1")
            subtype = message.get_content_subtype()
            return message.get_content_maintype() == "application" and (
                subtype == "json" or subtype.endswith("+json")
            )
    return False


async def _read_body(receive: Receive) -> bytes | None:
    chunks: list[bytes] = []
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return None
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            return b"".join(chunks)


def _replay(body: bytes, receive: Receive) -> Receive:
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()  # then wait for the disconnect, as a streaming response does

    return replay
