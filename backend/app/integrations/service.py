"""Integration and tool use cases. Every query is scoped to the caller's workspace through the
owning agent; another workspace's ids answer 404 exactly like missing ones."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from app.agents.models import Agent
from app.credentials import service as credentials
from app.credentials.models import EncryptedCredential
from app.exceptions import ConflictError, NotFoundError, ValidationFailed
from app.integrations.auth_types import (
    ACCESS_TOKEN_FIELD,
    AuthType,
    masked_view,
    required_secrets,
    validate_config,
    validate_secret_fields,
)
from app.integrations.models import Integration, Tool
from app.integrations.schemas import (
    IntegrationCreate,
    IntegrationKind,
    IntegrationPublic,
    IntegrationsPublic,
    IntegrationUpdate,
)
from app.tools.auth import CREDENTIAL_KIND
from app.tools.builtin import BUILTINS

# --- loading (workspace-scoped) -------------------------------------------------------------


async def get_integration(
    session: AsyncSession, workspace_id: uuid.UUID, integration_id: uuid.UUID
) -> Integration:
    integration = await session.scalar(
        select(Integration)
        .join(Agent, Agent.id == Integration.agent_id)
        .where(Integration.id == integration_id, Agent.workspace_id == workspace_id)
    )
    if integration is None:
        raise NotFoundError("integration", integration_id)
    return integration


async def get_tool(session: AsyncSession, workspace_id: uuid.UUID, tool_id: uuid.UUID) -> Tool:
    tool = await session.scalar(
        select(Tool)
        .join(Agent, Agent.id == Tool.agent_id)
        .where(Tool.id == tool_id, Agent.workspace_id == workspace_id)
    )
    if tool is None:
        raise NotFoundError("tool", tool_id)
    return tool


# --- secrets --------------------------------------------------------------------------------


async def _credential(
    session: AsyncSession, integration: Integration
) -> EncryptedCredential | None:
    if integration.credential_id is None:
        return None
    return await session.get(EncryptedCredential, integration.credential_id)


def _masks(credential: EncryptedCredential | None) -> dict[str, str]:
    if credential is None:
        return {}
    return dict((credential.credential_metadata or {}).get("masked") or {})


def _missing(auth_type: AuthType, config: dict[str, Any], masks: dict[str, str]) -> list[str]:
    return sorted(required_secrets(auth_type, config) - set(masks))


async def write_secrets(
    session: AsyncSession,
    workspace_id: uuid.UUID,
    integration: Integration,
    secret: dict[str, str],
) -> None:
    auth_type = AuthType(integration.auth_type)
    if not secret:
        if integration.credential_id is not None:
            credential = await session.get(EncryptedCredential, integration.credential_id)
            integration.credential_id = None
            if credential is not None:
                await session.delete(credential)
        return
    credential = await credentials.store_secret(
        session,
        workspace_id,
        CREDENTIAL_KIND,
        secret,
        {"masked": masked_view(auth_type, secret)},
        credential_id=integration.credential_id,
    )
    integration.credential_id = credential.id


def check_auth(
    auth_type: AuthType, config: dict[str, Any], secrets: dict[str, Any]
) -> dict[str, Any]:
    try:
        validate_secret_fields(auth_type, secrets)
        return validate_config(auth_type, config)
    except ValueError as exc:
        raise ValidationFailed(str(exc)) from None


def check_secret_fields(auth_type: AuthType, secrets: dict[str, Any]) -> None:
    try:
        validate_secret_fields(auth_type, secrets)
    except ValueError as exc:
        raise ValidationFailed(str(exc)) from None


# --- shaping --------------------------------------------------------------------------------


def _builtin_name(integration: Integration) -> str | None:
    if integration.kind != IntegrationKind.builtin:
        return None
    return str((integration.auth_config or {}).get("builtin") or "") or None


def _public(
    integration: Integration, credential: EncryptedCredential | None, tool_count: int
) -> IntegrationPublic:
    auth_type = AuthType(integration.auth_type)
    masks = _masks(credential)
    config = dict(integration.auth_config or {})
    builtin = _builtin_name(integration)
    return IntegrationPublic(
        id=integration.id,
        agent_id=integration.agent_id,
        kind=IntegrationKind(integration.kind),
        builtin=builtin,
        name=integration.name,
        base_url=integration.base_url,
        auth_type=auth_type,
        auth_config={} if builtin else config,
        secrets=masks,
        missing_secrets=[] if builtin else _missing(auth_type, config, masks),
        enabled=integration.enabled,
        tool_count=tool_count,
        has_openapi_spec=integration.openapi_spec is not None,
        created_at=integration.created_at,
        updated_at=integration.updated_at,
    )


async def read_integration(session: AsyncSession, integration: Integration) -> IntegrationPublic:
    count = await session.scalar(
        select(func.count()).select_from(Tool).where(Tool.integration_id == integration.id)
    )
    return _public(integration, await _credential(session, integration), count or 0)


# --- integrations ---------------------------------------------------------------------------


async def ensure_tool_names_free(
    session: AsyncSession,
    agent_id: uuid.UUID,
    names: list[str],
    *,
    except_id: uuid.UUID | None = None,
) -> None:
    query = select(Tool.name).where(Tool.agent_id == agent_id, Tool.name.in_(names))
    if except_id is not None:
        query = query.where(Tool.id != except_id)
    taken = sorted(set(await session.scalars(query)))
    if taken:
        raise ConflictError(
            f"This agent already has a tool named {', '.join(repr(n) for n in taken)}",
            code="conflict:tool_name",
            details={"names": taken},
        )


async def commit_or_conflict(session: AsyncSession) -> None:
    """Commit; a unique (agent_id, name) race becomes the same 409 as the pre-check."""
    try:
        await session.commit()
    except IntegrityError:
        await session.rollback()
        raise ConflictError(
            "This agent already has a tool with that name", code="conflict:tool_name"
        ) from None


async def create_integration(
    session: AsyncSession, agent: Agent, data: IntegrationCreate
) -> IntegrationPublic:
    if data.kind is IntegrationKind.builtin:
        assert data.builtin is not None
        builtin = BUILTINS[data.builtin.value]
        name = data.name or data.builtin.value
        await ensure_tool_names_free(session, agent.id, [data.builtin.value])
        integration = Integration(
            agent_id=agent.id,
            kind=IntegrationKind.builtin.value,
            name=name,
            base_url=None,
            auth_type=AuthType.none.value,
            auth_config={"builtin": data.builtin.value},
            enabled=data.enabled,
        )
        session.add(integration)
        await session.flush()
        session.add(
            Tool(
                integration_id=integration.id,
                agent_id=agent.id,
                name=data.builtin.value,
                description=builtin.default_description,
                method="GET",
                path=data.builtin.value,
                input_schema=builtin.default_schema,
                timeout_s=10.0,
            )
        )
        await commit_or_conflict(session)
        return await read_integration(session, integration)

    config = check_auth(data.auth_type, data.auth_config, data.secrets)
    assert data.name is not None
    integration = Integration(
        agent_id=agent.id,
        kind=IntegrationKind.custom_api.value,
        name=data.name,
        base_url=str(data.base_url).rstrip("/"),
        auth_type=data.auth_type.value,
        auth_config=config,
        enabled=data.enabled,
    )
    session.add(integration)
    await session.flush()
    await write_secrets(session, agent.workspace_id, integration, dict(data.secrets))
    await session.commit()
    return await read_integration(session, integration)


async def list_integrations(
    session: AsyncSession, agent: Agent, *, limit: int, offset: int
) -> IntegrationsPublic:
    total = await session.scalar(
        select(func.count()).select_from(Integration).where(Integration.agent_id == agent.id)
    )
    counts = (
        select(func.count())
        .select_from(Tool)
        .where(Tool.integration_id == Integration.id)
        .correlate(Integration)
        .scalar_subquery()
    )
    rows = await session.execute(
        select(Integration, EncryptedCredential, counts)
        .outerjoin(EncryptedCredential, EncryptedCredential.id == Integration.credential_id)
        .where(Integration.agent_id == agent.id)
        .order_by(Integration.created_at.desc(), Integration.id.desc())
        .limit(limit)
        .offset(offset)
    )
    items = [_public(i, c, n or 0) for i, c, n in rows.all()]
    return IntegrationsPublic(items=items, total=total or 0, limit=limit, offset=offset)


async def update_integration(
    session: AsyncSession,
    workspace_id: uuid.UUID,
    integration: Integration,
    data: IntegrationUpdate,
) -> IntegrationPublic:
    changes = data.model_fields_set
    nulled = sorted(f for f in changes - {"secrets"} if getattr(data, f) is None)
    if nulled:
        raise ValidationFailed(f"{', '.join(nulled)} may be left out but not set to null")
    builtin = _builtin_name(integration) is not None
    if builtin and changes & {"base_url", "auth_type", "auth_config", "secrets"}:
        raise ValidationFailed("A built-in integration has no base_url, auth or secrets")
    if data.name is not None:
        integration.name = data.name
    if data.enabled is not None:
        integration.enabled = data.enabled
    if data.base_url is not None:
        integration.base_url = str(data.base_url).rstrip("/")
    if builtin or not changes & {"auth_type", "auth_config", "secrets"}:
        await session.commit()
        return await read_integration(session, integration)

    auth_type = data.auth_type or AuthType(integration.auth_type)
    type_changed = auth_type.value != integration.auth_type
    config_in = data.auth_config
    if config_in is None:
        config_in = {} if type_changed else dict(integration.auth_config or {})
    credential = await _credential(session, integration)
    stored: dict[str, str] = {}
    if credential is not None and not type_changed:
        stored = await credentials.reveal_secret(session, credential)
    updates = data.secrets or {}
    config = check_auth(auth_type, config_in, {k: v for k, v in updates.items()})
    for field, value in updates.items():
        if value is None:
            stored.pop(field, None)
        else:
            stored[field] = value
    if auth_type is AuthType.oauth2 and (updates or config != integration.auth_config):
        # New client or grant settings: the cached access token belongs to the old ones.
        stored.pop(ACCESS_TOKEN_FIELD, None)
    integration.auth_type = auth_type.value
    integration.auth_config = config
    await write_secrets(session, workspace_id, integration, stored)
    await session.commit()
    return await read_integration(session, integration)


async def delete_integration(session: AsyncSession, integration: Integration) -> None:
    credential_id = integration.credential_id
    await session.delete(integration)
    if credential_id is not None:
        credential = await session.get(EncryptedCredential, credential_id)
        if credential is not None:
            await session.delete(credential)
    await session.commit()
