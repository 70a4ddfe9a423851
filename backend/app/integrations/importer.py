"""POST /agents/{id}/integrations/import-openapi: spec text or URL -> integration + tools.

All or nothing: the integration, its secret and every tool are written in one transaction, or
(dry run) nothing is written and the preview is returned.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from app.agents.models import Agent
from app.exceptions import ValidationFailed
from app.integrations import service
from app.integrations.auth_types import masked_view, required_secrets, validate_config
from app.integrations.models import Integration, Tool
from app.integrations.openapi import ImportPlan, SpecError, parse_spec_text, plan_import
from app.integrations.schemas import (
    IntegrationKind,
    IntegrationPreview,
    OpenAPIImport,
    OpenAPIImportPublic,
    ToolPreview,
)
from app.tools.egress import EgressGuard

SPEC_MAX_BYTES = 5 * 1024 * 1024


async def _load_spec(data: OpenAPIImport, egress: EgressGuard) -> tuple[str, str | None]:
    if data.spec is not None:
        return data.spec, None
    url = str(data.url)
    response = await egress.request(
        "GET",
        url,
        headers={"Accept": "application/json, application/yaml, text/yaml, */*"},
        max_bytes=SPEC_MAX_BYTES,
    )
    if response.status_code >= 400:
        raise ValidationFailed(
            f"Fetching the spec from {url} failed: HTTP {response.status_code}",
            code="invalid_spec",
        )
    if response.truncated:
        raise ValidationFailed(
            f"The spec at {url} is larger than {SPEC_MAX_BYTES} bytes", code="invalid_spec"
        )
    return response.text(), response.url


def _plan(data: OpenAPIImport, text: str, source_url: str | None) -> ImportPlan:
    try:
        plan = plan_import(
            parse_spec_text(text),
            source_url=source_url,
            name=data.name,
            base_url=str(data.base_url) if data.base_url else None,
        )
        plan.auth_config = validate_config(plan.auth_type, plan.auth_config)
    except (SpecError, ValueError) as exc:
        raise ValidationFailed(str(exc), code="invalid_spec") from None
    return plan


async def import_openapi(
    session: AsyncSession, agent: Agent, data: OpenAPIImport, egress: EgressGuard
) -> OpenAPIImportPublic:
    text, source_url = await _load_spec(data, egress)
    timeout_s = egress.settings.tool_default_timeout_s
    plan = _plan(data, text, source_url)
    service.check_secret_fields(plan.auth_type, data.secrets)
    await service.ensure_tool_names_free(session, agent.id, [t.name for t in plan.tools])
    masks = masked_view(plan.auth_type, dict(data.secrets))
    preview = IntegrationPreview(
        name=plan.name,
        base_url=plan.base_url,
        auth_type=plan.auth_type,
        auth_config=plan.auth_config,
        secrets=masks,
        missing_secrets=sorted(required_secrets(plan.auth_type, plan.auth_config) - set(masks)),
    )
    tools = [
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
    if data.dry_run:
        return OpenAPIImportPublic(
            dry_run=True, integration=preview, tools=tools, warnings=plan.warnings
        )

    integration = Integration(
        agent_id=agent.id,
        kind=IntegrationKind.custom_api.value,
        name=plan.name,
        base_url=plan.base_url,
        auth_type=plan.auth_type.value,
        auth_config=plan.auth_config,
        openapi_spec=plan.spec,
        enabled=True,
    )
    session.add(integration)
    await session.flush()
    await service.write_secrets(session, agent.workspace_id, integration, dict(data.secrets))
    rows = [
        Tool(
            integration_id=integration.id,
            agent_id=agent.id,
            name=t.name,
            description=t.description,
            method=t.method,
            path=t.path,
            input_schema=t.input_schema,
            timeout_s=timeout_s,
        )
        for t in plan.tools
    ]
    session.add_all(rows)
    await service.commit_or_conflict(session)
    preview.id = integration.id
    for preview_tool, row in zip(tools, rows, strict=True):
        preview_tool.id = row.id
    return OpenAPIImportPublic(
        dry_run=False, integration=preview, tools=tools, warnings=plan.warnings
    )
