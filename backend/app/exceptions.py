"""One error format for the whole API.

Every error a user can see is rendered as::

    {"error": {"code": "not_found:agent", "message": "...", "details": {...}}}

The tree::

    AppError                       (code, status, message, details)
    ├── NotFoundError              404  not_found:<resource>
    ├── ConflictError              409  conflict[:<what>]
    ├── ValidationFailed           422  validation_error (raised by services)
    ├── BadRequestError            400  bad_request[:<what>]
    ├── AuthenticationError        401  auth_required / auth_invalid / ...
    ├── PermissionDenied           403  forbidden
    ├── RateLimited                429  rate_limited (carries retry_after_s)
    ├── UpstreamError              502  upstream_error[:<what>] (a provider or tool failed)
    └── DatabaseUnavailable        503  database_unavailable (carries retry_after_s)

Services raise these; routers never build error responses themselves. FastAPI's own request
validation errors and Starlette's HTTP errors are converted to the same shape here.
"""

from __future__ import annotations

import logging
from typing import Any

import sqlalchemy.exc
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from app.database import SERVER_BUSY, describe_for_log, is_server_busy
from app.db_errors import DATABASE_UNAVAILABLE, is_database_unavailable

logger = logging.getLogger(__name__)


class AppError(Exception):
    code: str = "error"
    status: int = 400

    def __init__(
        self,
        message: str,
        *,
        code: str | None = None,
        status: int | None = None,
        details: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code
        if status is not None:
            self.status = status
        self.details = details or {}

    def to_dict(self) -> dict[str, Any]:
        return {"code": self.code, "message": self.message, "details": self.details}


class NotFoundError(AppError):
    status = 404

    def __init__(self, resource: str, resource_id: object | None = None) -> None:
        message = f"{resource.replace('_', ' ').capitalize()} not found"
        if resource_id is not None:
            message = f"{message}: {resource_id}"
        super().__init__(message, code=f"not_found:{resource}")


class ConflictError(AppError):
    code = "conflict"
    status = 409


class ValidationFailed(AppError):
    code = "validation_error"
    status = 422


class BadRequestError(AppError):
    code = "bad_request"
    status = 400


class AuthenticationError(AppError):
    code = "auth_required"
    status = 401


class PermissionDenied(AppError):
    code = "forbidden"
    status = 403


class RateLimited(AppError):
    code = "rate_limited"
    status = 429

    def __init__(self, message: str, *, retry_after_s: int) -> None:
        super().__init__(message, details={"retry_after_s": retry_after_s})
        self.retry_after_s = retry_after_s


class UpstreamError(AppError):
    code = "upstream_error"
    status = 502


DATABASE_RETRY_AFTER_S = 5


class DatabaseUnavailable(AppError):
    """The database cannot be reached (refused, connection lost mid-query): answered 503 with
    Retry-After, never a 500. See app.db_errors for what counts as unavailable."""

    code = "database_unavailable"
    status = 503

    def __init__(self, retry_after_s: int = DATABASE_RETRY_AFTER_S) -> None:
        super().__init__(DATABASE_UNAVAILABLE, details={"retry_after_s": retry_after_s})
        self.retry_after_s = retry_after_s


def error_body(code: str, message: str, details: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"error": {"code": code, "message": message, "details": details or {}}}


def _location(loc: tuple[Any, ...] | list[Any]) -> str:
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "header", "cookie")]
    return ".".join(parts) or str(loc[0] if loc else "request")


def _validation_message(errors: list[dict[str, Any]]) -> str:
    first = errors[0]
    where = _location(first.get("loc", ()))
    msg = str(first.get("msg", "invalid value"))
    if first.get("type") == "extra_forbidden":
        msg = "unknown field"
    elif first.get("type") == "uuid_parsing":
        msg = "must be a UUID"
    elif first.get("type") == "json_invalid":
        return "The request body is not valid JSON"
    suffix = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
    return f"{where}: {msg}{suffix}"


def _clean_errors(errors: list[dict[str, Any]]) -> list[dict[str, Any]]:
    # Never echo input back: it may hold a secret the user pasted into the wrong field.
    return [
        {"loc": [str(p) for p in e.get("loc", ())], "msg": str(e.get("msg")), "type": e.get("type")}
        for e in errors
    ]


async def _app_error_handler(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, AppError)
    headers = None
    if isinstance(exc, RateLimited | DatabaseUnavailable):
        headers = {"Retry-After": str(exc.retry_after_s)}
    return JSONResponse({"error": exc.to_dict()}, exc.status, headers=headers)


async def _validation_handler(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = list(exc.errors())
    body = error_body(
        "validation_error", _validation_message(errors), {"errors": _clean_errors(errors)}
    )
    return JSONResponse(body, 422)


_HTTP_CODES = {
    400: "bad_request",
    401: "auth_required",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    413: "payload_too_large",
    415: "unsupported_media_type",
    429: "rate_limited",
}


async def _http_error_handler(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    code = _HTTP_CODES.get(exc.status_code, "http_error")
    message = exc.detail if isinstance(exc.detail, str) else code.replace("_", " ")
    if exc.status_code == 404 and message == "Not Found":
        message = f"No route for {request.method} {request.url.path}"
    return JSONResponse(
        error_body(code, message), exc.status_code, headers=getattr(exc, "headers", None)
    )


SERVER_BUSY_RETRY_AFTER_S = 2


async def _unhandled_handler(request: Request, exc: Exception) -> JSONResponse:
    if is_server_busy(exc):
        body = error_body("server_busy", SERVER_BUSY)
        return JSONResponse(body, 503, headers={"Retry-After": str(SERVER_BUSY_RETRY_AFTER_S)})
    if is_database_unavailable(exc):
        return await _app_error_handler(request, DatabaseUnavailable())
    # Type, stack and SQL statement only: exception messages can carry request data.
    logger.error("unhandled on %s %s: %s", request.method, request.url.path, describe_for_log(exc))
    return JSONResponse(error_body("internal_error", "Internal server error"), 500)


unhandled_error_response = _unhandled_handler  # also the last resort of app.middleware


async def _database_error_handler(request: Request, exc: Exception) -> JSONResponse:
    if is_database_unavailable(exc):
        logger.warning(
            "database unavailable (%s) on %s %s",
            type(exc).__name__,
            request.method,
            request.url.path,
        )
        return await _app_error_handler(request, DatabaseUnavailable())
    return await _unhandled_handler(request, exc)  # a real bug (a constraint, bad SQL): a 500


def install_exception_handlers(app: FastAPI) -> None:
    app.add_exception_handler(AppError, _app_error_handler)
    app.add_exception_handler(RequestValidationError, _validation_handler)
    app.add_exception_handler(StarletteHTTPException, _http_error_handler)
    # Database errors are answered here rather than by the catch-all, which re-raises: an
    # outage is a 503 the server expects, not a crash to log as one.
    app.add_exception_handler(sqlalchemy.exc.DBAPIError, _database_error_handler)
    app.add_exception_handler(OSError, _database_error_handler)
    app.add_exception_handler(Exception, _unhandled_handler)
