"""A custom API tool: one HTTP operation of an integration, callable by an agent.

Arguments are validated against the tool's input schema, then mapped onto the request:
`{name}` placeholders in the path take the argument of that name; a `body` argument (when the
schema declares one) is the JSON body and the rest go to the query string; without a `body`
property, POST/PUT/PATCH send the remaining arguments as the JSON body and other methods send
them as query parameters. Everything returned is scrubbed of the integration's secrets, in any
encoding; the credentials go only to the integration's own origin (a request that resolves
elsewhere is refused before anything is sent).
"""

from __future__ import annotations

import json
import re
import uuid
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

import jsonschema

from app.credentials.redact import redact
from app.integrations.models import Integration
from app.integrations.models import Tool as ToolRow
from app.tools import enhance
from app.tools.auth import (
    Authenticator,
    ToolAuthError,
    credentials_go_to,
    origin_of,
    show_origin,
)
from app.tools.base import Tool, ToolResult
from app.tools.egress import EgressError, EgressResponse
from app.tools.request_builder import RequestBuildError, build_spec_request, merge_query
from app.tools.runtime import ToolRuntime

BODY_METHODS = {"POST", "PUT", "PATCH"}
MODEL_CONTENT_CHARS = 20_000
ERROR_BODY_CHARS = 2_000
_PLACEHOLDER = re.compile(r"\{([^{}/]+)\}")


class ToolInputError(Exception):
    """The arguments do not fit the tool; the message is safe to show the model."""


@dataclass
class PreparedRequest:
    method: str
    url: str
    params: dict[str, str]
    json_body: Any = None
    has_body: bool = False
    # Set for imported operations (request_spec): the query is already in `url`, encoded.
    headers: dict[str, str] = field(default_factory=dict)
    content: bytes | None = None
    query_in_url: bool = False


@dataclass
class HttpOutcome:
    """A completed HTTP exchange, already scrubbed of secrets."""

    status_code: int
    headers: dict[str, str]
    body: str
    truncated: bool
    latency_ms: float
    url: str
    content: str
    is_error: bool
    data: Any = None
    refreshed: bool = False
    meta: dict[str, Any] = field(default_factory=dict)


def _query_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict | list):
        return json.dumps(value, separators=(",", ":"))
    return str(value)


def validate_arguments(schema: dict[str, Any], arguments: dict[str, Any]) -> None:
    validator_cls = jsonschema.validators.validator_for(schema, jsonschema.Draft202012Validator)
    try:
        error = jsonschema.exceptions.best_match(validator_cls(schema).iter_errors(arguments))
    except Exception as exc:  # an unresolvable $ref: jsonschema never fetches one
        problem = type(exc).__name__
        raise ToolInputError(f"the tool's input_schema cannot be used ({problem})") from None
    if error is not None:
        where = ".".join(str(p) for p in error.absolute_path) or "arguments"
        raise ToolInputError(f"{where}: {error.message[:300]}")


def build_request(
    base_url: str,
    method: str,
    path: str,
    schema: dict[str, Any],
    arguments: dict[str, Any],
    request_spec: dict[str, Any] | None = None,
) -> PreparedRequest:
    """Map arguments onto path, query and body; an imported operation's `request_spec` says
    where each argument goes and how it is serialised (app.tools.request_builder)."""
    if request_spec:
        try:
            built = build_spec_request(base_url, path, request_spec, schema, arguments)
        except RequestBuildError as exc:
            raise ToolInputError(str(exc)) from None
        return PreparedRequest(
            method.upper(),
            built.url,
            {},
            built.json_body,
            built.has_body,
            headers=built.headers,
            content=built.content,
            query_in_url=True,
        )
    remaining = dict(arguments)

    def fill(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in remaining or remaining[name] is None:
            raise ToolInputError(f"missing path parameter '{name}'")
        return quote(_query_value(remaining.pop(name)), safe="")

    filled = _PLACEHOLDER.sub(fill, path)
    url = base_url.rstrip("/") + "/" + filled.lstrip("/") if filled.strip("/") else base_url
    method = method.upper()
    properties = schema.get("properties") or {}
    body: Any = None
    has_body = False
    if "body" in properties and "body" in remaining:
        body, has_body = remaining.pop("body"), True
    elif "body" not in properties and method in BODY_METHODS:
        body, has_body = remaining, True
        remaining = {}
    params = {k: _query_value(v) for k, v in remaining.items() if v is not None}
    return PreparedRequest(method, url, params, body, has_body)


class HttpApiTool(Tool):
    def __init__(
        self,
        row: ToolRow,
        integration: Integration,
        workspace_id: uuid.UUID,
        runtime: ToolRuntime,
        get_model: enhance.ModelGetter | None = None,
    ) -> None:
        self.name = row.name
        self.description = row.description
        self.input_schema = row.input_schema or {"type": "object"}
        self.timeout_s = row.timeout_s
        self.row = row
        self.integration = integration
        self.workspace_id = workspace_id
        self.runtime = runtime
        self.get_model = get_model

    async def execute(self, arguments: dict[str, Any]) -> HttpOutcome:
        """Run the call; raises ToolInputError, ToolAuthError, EgressError, EnhanceError."""
        validate_arguments(self.input_schema, arguments)
        if self.row.preprocess:
            arguments = await enhance.preprocess(
                self._model(), self.row.preprocess, arguments, self.input_schema
            )
        if not self.integration.base_url:
            raise ToolInputError(f"Integration '{self.integration.name}' has no base URL")
        request = build_request(
            self.integration.base_url,
            self.row.method,
            self.row.path,
            self.input_schema,
            arguments,
            self.row.request_spec,
        )
        auth = Authenticator(self.integration, self.workspace_id, self.runtime)
        if auth.sends_credentials and not credentials_go_to(self.integration.base_url, request.url):
            raise ToolInputError(
                f"this call would go to {show_origin(origin_of(request.url))}, but the "
                f"credentials of integration '{self.integration.name}' are only sent to "
                f"{show_origin(origin_of(self.integration.base_url))}"
            )
        try:
            prepared = await auth.prepare()
            response = await self._send(request, prepared.headers, prepared.params)
            if response.status_code == 401 and prepared.access_token is not None:
                # The token may have been revoked early: refresh once and retry once.
                prepared = await auth.prepare(stale_token=prepared.access_token)
                response = await self._send(request, prepared.headers, prepared.params)
        except (ToolAuthError, EgressError) as exc:
            auth.scrub(exc)
            raise
        finally:
            secrets = auth.secret_values()
        outcome = self._outcome(response, secrets)
        outcome.refreshed = auth.refresh_count > 0
        if self.row.postprocess and not outcome.is_error:
            condensed = await enhance.postprocess(
                self._model(), self.row.postprocess, outcome.status_code, outcome.body
            )
            outcome.content = redact(condensed, secrets)
        return outcome

    def _model(self) -> enhance.ModelGetter:
        if self.get_model is None:
            raise enhance.EnhanceError("no model is configured for this agent")
        return self.get_model

    async def _send(
        self, request: PreparedRequest, headers: dict[str, str], params: dict[str, str]
    ) -> EgressResponse:
        if request.query_in_url:
            # httpx replaces a URL's query when params are given: append the auth's to it.
            return await self.runtime.egress.request(
                request.method,
                merge_query(request.url, params.items()),
                headers={"Accept": "application/json, */*;q=0.5", **request.headers, **headers},
                json=request.json_body if request.has_body and request.content is None else None,
                content=request.content,
                timeout_s=self.timeout_s,
            )
        return await self.runtime.egress.request(
            request.method,
            request.url,
            params={**request.params, **params},
            headers={"Accept": "application/json, */*;q=0.5", **headers},
            json=request.json_body if request.has_body else None,
            timeout_s=self.timeout_s,
        )

    def _outcome(self, response: EgressResponse, secrets: list[str]) -> HttpOutcome:
        body = redact(response.text(), secrets)
        data: Any = None
        if "json" in (response.header("content-type") or "") and not response.truncated:
            try:
                data = redact(json.loads(response.body), secrets)
            except ValueError:
                data = None
        is_error = response.status_code >= 400
        if is_error:
            content = f"HTTP {response.status_code} from {self.name}: {body[:ERROR_BODY_CHARS]}"
        else:
            content = body[:MODEL_CONTENT_CHARS]
            if response.truncated or len(body) > MODEL_CONTENT_CHARS:
                content += "\n[response truncated]"
        headers = redact({k: v for k, v in response.headers}, secrets)
        return HttpOutcome(
            status_code=response.status_code,
            headers=headers,
            body=body,
            truncated=response.truncated,
            latency_ms=response.latency_ms,
            url=redact(response.url, secrets),
            content=content,
            is_error=is_error,
            data=data,
        )

    async def call(self, arguments: dict[str, Any]) -> ToolResult:
        try:
            outcome = await self.execute(arguments)
        except (ToolInputError, ToolAuthError, enhance.EnhanceError) as exc:
            return ToolResult(content=f"{self.name}: {exc}", is_error=True)
        except EgressError as exc:
            return ToolResult(
                content=f"{self.name}: {exc.message}", is_error=True, meta={"code": exc.code}
            )
        return ToolResult(
            content=outcome.content,
            is_error=outcome.is_error,
            data=outcome.data,
            status_code=outcome.status_code,
            latency_ms=outcome.latency_ms,
            meta={"url": outcome.url, "truncated": outcome.truncated},
        )
