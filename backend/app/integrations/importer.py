"""POST /agents/{id}/integrations/import-openapi: spec text or URL -> integration + tools.

The document is parsed and planned in a worker process (app.integrations.openapi.worker), so a
large or hostile one never stalls the event loop; pasted text and URLs are held to the same
OPENAPI_MAX_BYTES. The preview lists every operation; the import takes the selected ones.

All or nothing: the integration, its secret and every tool are written in one transaction, or
(dry run) nothing is written and the preview is returned.
"""

from __future__ import annotations

import asyncio
import json
import re
import uuid
from typing import Any

from pydantic_core import PydanticCustomError
from sqlalchemy import ColumnElement, Text, bindparam, cast, insert, literal, select
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from app.agents.models import Agent
from app.config import Settings
from app.exceptions import AppError, ConflictError, ValidationFailed
from app.integrations import service
from app.integrations.auth_types import (
    AuthType,
    masked_view,
    required_secrets,
    validate_config,
)
from app.integrations.models import Integration, Tool
from app.integrations.openapi import ImportPlan, Selection, SpecError, SpecTooLarge, SpecWarning
from app.integrations.openapi.errors import pointer
from app.integrations.openapi.worker import PlanRequest, spec_workers
from app.integrations.schemas import (
    ImportWarning,
    IntegrationKind,
    IntegrationPreview,
    OpenAPIImport,
    OpenAPIImportPublic,
    OperationPreview,
    ServerPreview,
    ServerVariablePreview,
    ToolPreview,
)
from app.llm.tool_limits import agent_tool_warnings
from app.middleware import RouteBodyLimit
from app.tools.auth import credentials_go_to, origin_of, show_origin
from app.tools.egress import EgressGuard
from app.validation import check_http_url

IMPORT_PATH = re.compile(r"/api/v1/agents/[^/]+/integrations/import-openapi")
# Room for the request's other fields (name, secrets, selection, ...).
_BODY_MARGIN = 64 * 1024


def import_body_limit(settings: Settings) -> RouteBodyLimit:
    """The import route's body limit: a pasted spec of OPENAPI_MAX_BYTES, JSON-escaped (which at
    most doubles a document's newlines and quotes), fits; `_load_spec` then holds the spec
    itself to OPENAPI_MAX_BYTES, as it does for a spec fetched by URL."""
    limit = settings.openapi_max_bytes
    max_bytes = max(settings.max_request_bytes, 2 * limit + _BODY_MARGIN)
    return RouteBodyLimit(
        method="POST",
        path=IMPORT_PATH,
        max_bytes=max_bytes,
        code="spec_too_large",
        message=f"The request is over {max_bytes:,} bytes; at most {limit:,} bytes of spec can "
        "be imported (OPENAPI_MAX_BYTES)",
    )


def _too_large(size: str, limit: int) -> SpecTooLarge:
    return SpecTooLarge(
        f"The spec is {size}; at most {limit:,} bytes can be imported (OPENAPI_MAX_BYTES)"
    )


async def _load_spec(
    data: OpenAPIImport, egress: EgressGuard, limit: int
) -> tuple[str, str | None]:
    if data.spec is not None:
        # A character is at least one byte: only count bytes when the length is close.
        if len(data.spec) > limit or (
            len(data.spec) * 4 > limit and len(data.spec.encode()) > limit
        ):
            raise _too_large(f"{len(data.spec.encode()):,} bytes", limit)
        return data.spec, None
    url = str(data.url)
    response = await egress.request(
        "GET",
        url,
        headers={"Accept": "application/json, application/yaml, text/yaml, */*"},
        max_bytes=limit,
    )
    if response.status_code >= 400:
        raise ValidationFailed(
            f"Fetching the spec from {url} failed: HTTP {response.status_code}",
            code="invalid_spec",
        )
    if response.truncated:
        raise _too_large(f"larger than that at {url}", limit)
    return response.text(), response.url


def _refusal(exc: SpecError) -> AppError:
    details: dict[str, Any] = {"path": exc.path} if exc.path else {}
    return AppError(str(exc), code=exc.code, status=exc.status, details=details)


def _check_server_urls(plan: ImportPlan) -> None:
    """422 for a server URL every call would fail on: an IDNA-invalid host (`xn--zz.example`)
    passes the spec's parser, then the HTTP client refuses it when a request is built."""
    urls = [("base_url", plan.base_url)] if plan.base_url else []
    urls += [
        (f"tool {t.name}", t.request_spec["server"])
        for t in plan.tools
        if t.request_spec.get("server")
    ]
    for where, url in urls:
        try:
            check_http_url(str(url))
        except PydanticCustomError as exc:
            raise ValidationFailed(
                f"The spec's server URL for {where} ({url}) is not usable: {exc.message()}",
                details={"field": where, "reason": "invalid_url"},
            ) from None


async def _plan(data: OpenAPIImport, settings: Settings, egress: EgressGuard) -> ImportPlan:
    try:
        text, source_url = await _load_spec(data, egress, settings.openapi_max_bytes)
    except SpecError as exc:  # over OPENAPI_MAX_BYTES: a 413, pasted or by URL
        raise _refusal(exc) from None
    selection = Selection(**data.selection.model_dump()) if data.selection else None
    request = PlanRequest(
        text=text,
        source_url=source_url,
        name=data.name,
        base_url=str(data.base_url) if data.base_url else None,
        selection=selection,
        name_prefix=data.name_prefix or "",
        server_variables=dict(data.server_variables),
        keep_spec=not data.dry_run,
    )
    workers = spec_workers(
        settings.openapi_workers, settings.openapi_parse_timeout_s, settings.openapi_max_memory_mb
    )
    try:
        plan = await workers.plan(request)
    except SpecError as exc:
        raise _refusal(exc) from None
    if plan.missing_base is not None and not data.dry_run:
        raise _refusal(plan.missing_base)
    _check_server_urls(plan)
    try:
        plan.auth_config = validate_config(AuthType(plan.auth_type), plan.auth_config)
    except ValueError as exc:
        # The operations are still usable: the auth is set by hand afterwards.
        plan.warnings.append(
            SpecWarning(f"Auth left as none: {exc}", "/components/securitySchemes")
        )
        plan.auth_type, plan.auth_config = AuthType.none.value, {}
    plan.warnings.extend(_foreign_server_warnings(plan))
    if plan.too_many and not data.dry_run:
        raise ValidationFailed(
            f"The spec has {plan.total_operations} operations; at most {plan.max_tools} can be "
            "imported at once. Choose the ones you need with `selection` (by tag, path, method "
            "or operation id; a dry run lists them all)",
            code="too_many_operations",
            details={"total_operations": plan.total_operations, "max_tools": plan.max_tools},
        )
    return plan


def _foreign_server_warnings(plan: ImportPlan) -> list[SpecWarning]:
    """Operations served from another origin than base_url, when the integration has auth:
    credentials never leave base_url's origin (app.tools.http), so every call of such an
    operation will be refused. Decided here, not in the worker: only now is the auth final."""
    if plan.auth_type == AuthType.none.value or not plan.base_url:
        return []
    home = show_origin(origin_of(plan.base_url))
    found = []
    for tool in plan.tools:
        server = tool.request_spec.get("server")
        if server and not credentials_go_to(plan.base_url, server):
            found.append(
                SpecWarning(
                    f"{tool.method} {tool.path} is served from {show_origin(origin_of(server))}, "
                    f"not {home}: its calls will be refused, because the integration's "
                    f"credentials are only sent to {home}. To use it, import this operation as "
                    f"a separate integration (base_url {server}) with its own credentials",
                    pointer("paths", tool.path, tool.method.lower()),
                )
            )
    return found


async def _vendor_warnings(
    session: AsyncSession, agent: Agent, plan: ImportPlan
) -> list[SpecWarning]:
    """Where the agent, with these tools added, would exceed its model vendor's limits."""
    if not plan.tools:
        return []
    existing = (
        await session.scalars(select(Tool).where(Tool.agent_id == agent.id, Tool.enabled.is_(True)))
    ).all()
    # The vendor adapters walk every schema: CPU work, kept off the event loop.
    found = await asyncio.to_thread(agent_tool_warnings, agent.provider, list(existing), plan.tools)
    return [SpecWarning(message) for message in found]


def _public(
    plan: ImportPlan,
    preview: IntegrationPreview,
    tools: list[ToolPreview],
    warnings: list[SpecWarning],
    *,
    dry_run: bool,
) -> OpenAPIImportPublic:
    return OpenAPIImportPublic(
        dry_run=dry_run,
        integration=preview,
        tools=tools,
        warnings=[ImportWarning(message=w.message, path=w.path) for w in warnings],
        operations=[OperationPreview(**vars(op)) for op in plan.operations],
        total_operations=plan.total_operations,
        max_tools=plan.max_tools,
        servers=[
            ServerPreview(
                url=s.url,
                description=s.description,
                variables={k: ServerVariablePreview(**vars(v)) for k, v in s.variables.items()},
            )
            for s in plan.servers
        ],
    )


def _json_value(session: AsyncSession, value: ColumnElement[str]) -> ColumnElement[Any]:
    """JSON text as a JSON column's value: nothing for SQLAlchemy to encode on the event loop."""
    if session.get_bind().dialect.name == "postgresql":
        return cast(value, JSONB())
    return value  # SQLite keeps JSON as text


def _stored_json(session: AsyncSession, text: str | None) -> Any:
    """The worker's JSON text as the column's value, without decoding it here and encoding it
    again at flush (Stripe's 4 MB spec: a few hundred ms of the event loop)."""
    return None if text is None else _json_value(session, literal(text, Text()))


def _tool_previews(plan: ImportPlan, timeout_s: float) -> list[ToolPreview]:
    return [
        ToolPreview(
            name=t.name,
            description=t.description,
            method=t.method,
            path=t.path,
            input_schema=t.input_schema,
            timeout_s=timeout_s,
        )
        for t in plan.tools
    ]


def _tool_rows(
    plan: ImportPlan,
    previews: list[ToolPreview],
    ids: tuple[uuid.UUID, uuid.UUID],
    timeout_s: float,
) -> list[dict[str, Any]]:
    """Insert parameters of the tools (ids set on their previews too), their JSON columns as
    text. For 128 tools this and the previews are tens of ms of CPU: run in a thread."""
    integration_id, agent_id = ids
    rows = []
    for tool, preview in zip(plan.tools, previews, strict=True):
        preview.id = uuid.uuid4()
        rows.append(
            {
                "id": preview.id,
                "integration_id": integration_id,
                "agent_id": agent_id,
                "name": tool.name,
                "description": tool.description,
                "method": tool.method,
                "path": tool.path,
                "input_schema_json": json.dumps(tool.input_schema, separators=(",", ":")),
                "request_spec_json": json.dumps(tool.request_spec, separators=(",", ":")),
                "timeout_s": timeout_s,
                "enabled": True,
            }
        )
    return rows


async def _insert_tools(session: AsyncSession, rows: list[dict[str, Any]]) -> None:
    """One multi-row INSERT of the prepared rows (no ORM objects to build on the event loop)."""
    if not rows:
        return
    statement = insert(Tool.metadata.tables[Tool.__tablename__]).values(
        input_schema=_json_value(session, bindparam("input_schema_json", type_=Text())),
        request_spec=_json_value(session, bindparam("request_spec_json", type_=Text())),
    )
    try:
        await session.execute(statement, rows)
    except IntegrityError:
        # A tool of that name was added since ensure_tool_names_free: the 409 of
        # service.commit_or_conflict.
        await session.rollback()
        raise ConflictError(
            "This agent already has a tool with that name", code="conflict:tool_name"
        ) from None


async def import_openapi(
    session: AsyncSession, agent: Agent, data: OpenAPIImport, egress: EgressGuard
) -> OpenAPIImportPublic:
    settings = egress.settings
    plan = await _plan(data, settings, egress)
    auth_type = AuthType(plan.auth_type)
    timeout_s = settings.tool_default_timeout_s
    service.check_secret_fields(auth_type, data.secrets)
    await service.ensure_tool_names_free(session, agent.id, [t.name for t in plan.tools])
    warnings = [*plan.warnings, *await _vendor_warnings(session, agent, plan)]
    masks = masked_view(auth_type, dict(data.secrets))
    preview = IntegrationPreview(
        name=plan.name,
        base_url=plan.base_url,
        auth_type=auth_type,
        auth_config=plan.auth_config,
        secrets=masks,
        missing_secrets=sorted(required_secrets(auth_type, plan.auth_config) - set(masks)),
    )
    # Building the previews and the response (128 schemas, every operation) is CPU work for
    # tens of ms: done in threads, so the event loop stays free.
    tools = await asyncio.to_thread(_tool_previews, plan, timeout_s)
    if data.dry_run:
        return await asyncio.to_thread(_public, plan, preview, tools, warnings, dry_run=True)

    integration = Integration(
        agent_id=agent.id,
        kind=IntegrationKind.custom_api.value,
        name=plan.name,
        base_url=plan.base_url,
        auth_type=auth_type.value,
        auth_config=plan.auth_config,
        openapi_spec=_stored_json(session, plan.spec_json),
        enabled=True,
    )
    session.add(integration)
    await session.flush()
    await service.write_secrets(session, agent.workspace_id, integration, dict(data.secrets))
    ids = (integration.id, agent.id)
    rows = await asyncio.to_thread(_tool_rows, plan, tools, ids, timeout_s)
    await _insert_tools(session, rows)
    await service.commit_or_conflict(session)
    preview.id = integration.id
    return await asyncio.to_thread(_public, plan, preview, tools, warnings, dry_run=False)
