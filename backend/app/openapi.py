"""The OpenAPI document declares every status an operation can answer, with our error schema.

Routers declare their success responses; the errors come from what every route shares, so they
are added here, from each route's shape, rather than by hand in each router:

| status | when an operation can answer it                                                   |
|--------|-----------------------------------------------------------------------------------|
| 400    | it takes a body (one that cannot be parsed)                                        |
| 401    | it authenticates (a dependency from app.auth.deps), or it is under /api/v1/auth/   |
| 403    | it authenticates (role, cross-origin cookie write)                                 |
| 404    | it has path parameters or changes something (a referenced row is gone)            |
| 409    | it changes something (POST, PUT, PATCH, DELETE)                                    |
| 413    | it takes a body (over MAX_REQUEST_BYTES; the OpenAPI import: OPENAPI_MAX_BYTES)    |
| 422    | always: a NUL in a header or the query (app.validation); parameters, the body       |
| 429    | it is under /api/ (the per-address and per-user rate limits)                       |
| 503    | always: the database is busy or down (Retry-After)                                 |

A status a route declares itself (e.g. 502 for a tool test) is kept as it is. Every error has
the one body of app.exceptions: `{"error": {"code", "message", "details"}}`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute, iter_route_contexts
from pydantic import BaseModel, Field

ERROR_SCHEMA = "ErrorResponse"
_WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
_AUTH_MODULE = "app.auth.deps"

_DESCRIPTIONS = {
    "400": "Bad request: the body could not be parsed",
    "401": "Not signed in, or the credentials are invalid or expired",
    "403": "Not allowed: the role, or a cross-origin cookie write",
    "404": "Not found (in this workspace)",
    "409": "Conflicts with the current state (a name in use, a run in progress, ...)",
    "413": "The request body is over the size limit",
    "422": "Validation error: the message names the field",
    "429": "Too many requests: retry after Retry-After seconds",
    "503": "The server is busy or the database is down: retry after Retry-After seconds",
}
_RETRY_AFTER = {
    "Retry-After": {"description": "Seconds to wait before retrying", "schema": {"type": "integer"}}
}


class ErrorDetail(BaseModel):
    code: str = Field(description="Stable and machine-readable, e.g. not_found:agent")
    message: str = Field(description="For people: what went wrong and what to do")
    details: dict[str, Any] = Field(description="Structured extras, e.g. errors, retry_after_s")


class ErrorResponse(BaseModel):
    """The body of every error the API answers."""

    error: ErrorDetail


def install_error_responses(app: FastAPI) -> None:
    """Make `app.openapi()` (and /openapi.json) declare the error responses of every route."""
    generate: Callable[[], dict[str, Any]] = app.openapi

    def openapi() -> dict[str, Any]:
        schema = generate()  # FastAPI's, cached until the routes change
        if ERROR_SCHEMA not in schema.get("components", {}).get("schemas", {}):
            add_error_responses(app, schema)
        return schema

    app.openapi = openapi  # type: ignore[method-assign]


def add_error_responses(app: FastAPI, schema: dict[str, Any]) -> None:
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    error_schema = ErrorResponse.model_json_schema(ref_template="#/components/schemas/{model}")
    components.update(error_schema.pop("$defs", {}))
    components[ERROR_SCHEMA] = error_schema
    for route in _api_routes(app):
        for method in sorted(route.methods or ()):
            operation = schema["paths"].get(route.path_format, {}).get(method.lower())
            if operation is None:
                continue
            responses = operation.setdefault("responses", {})
            for status in _error_statuses(route, method):
                _declare(responses, status)
    # FastAPI's own 422 body ({"detail": [...]}) is never sent: ours replaced it above.
    for name in ("HTTPValidationError", "ValidationError"):
        if name in components and f'"#/components/schemas/{name}"' not in str(schema["paths"]):
            del components[name]


def _api_routes(app: FastAPI) -> Iterator[Any]:
    for context in iter_route_contexts(app.routes):
        if isinstance(context.original_route, APIRoute) and context.include_in_schema:
            yield context  # behaves as the APIRoute with its router's prefix and dependencies


def _error_statuses(route: Any, method: str) -> list[str]:
    dependant: Dependant = route.dependant
    calls = set(_calls(dependant))
    authenticates = any(getattr(c, "__module__", None) == _AUTH_MODULE for c in calls)
    has_body = route.body_field is not None
    path = str(route.path_format)
    writes = method in _WRITE_METHODS
    statuses = {"422", "503"}
    if has_body:
        statuses |= {"400", "413"}
    if authenticates:
        statuses |= {"401", "403"}
    if path.startswith("/api/v1/auth/"):
        statuses.add("401")  # a wrong password, an expired refresh token or invitation
    if "{" in path or writes:
        statuses.add("404")
    if writes:
        statuses.add("409")
    if path.startswith("/api/"):
        statuses.add("429")
    return sorted(statuses)


def _calls(dependant: Dependant) -> Iterator[Any]:
    for sub in dependant.dependencies:
        if sub.call is not None:
            yield sub.call
        yield from _calls(sub)


def _declare(responses: dict[str, Any], status: str) -> None:
    content = {"application/json": {"schema": {"$ref": f"#/components/schemas/{ERROR_SCHEMA}"}}}
    existing = responses.get(status)
    if existing is None:
        responses[status] = {"description": _DESCRIPTIONS[status], "content": content}
    elif status == "422" and "HTTPValidationError" in str(existing):
        existing.update(description=_DESCRIPTIONS[status], content=content)
    else:
        return
    if status in ("429", "503"):
        responses[status]["headers"] = _RETRY_AFTER
