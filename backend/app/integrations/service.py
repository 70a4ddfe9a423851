"""Integration and tool use cases. Every query is scoped to the caller's workspace through the
owning agent; another workspace's ids answer 404 exactly like missing ones.

Saved credentials are bound to where they were saved for. An update that would send them to
another origin (a base URL or OAuth token URL on another scheme, host or port) is a
"retarget": only an owner or admin may make it (the router checks `secret_retarget`), and only
by entering the secrets again in the same request or by setting `confirm_secret_retarget`.
A confirmed retarget is logged (who, which integration, old and new origin) and recorded in the
credential's metadata (`retargets`, the last 20); the cached OAuth access token is dropped on
every retarget, as it was issued for the old target.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from app.agents.models import Agent
from app.credentials import service as credentials
from app.credentials.models import EncryptedCredential
from app.database import utcnow
from app.exceptions import ConflictError, NotFoundError, ValidationFailed
from app.integrations.auth_types import (
    ACCESS_TOKEN_FIELD,
    AuthType,
    masked_view,
    required_secrets,
    shown_secret_fields,
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
from app.tools.auth import CREDENTIAL_KIND, Origin, origin_of, show_origin
from app.tools.builtin import BUILTINS

logger = logging.getLogger(__name__)
RETARGET_HISTORY = 20

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
    *,
    retarget_record: dict[str, Any] | None = None,
) -> None:
    """Store (or drop, when empty) the integration's secrets; other metadata of the credential
    (its retarget history) is kept, and `retarget_record` appended to it."""
    auth_type = AuthType(integration.auth_type)
    if not secret:
        if integration.credential_id is not None:
            credential = await session.get(EncryptedCredential, integration.credential_id)
            integration.credential_id = None
            if credential is not None:
                await session.delete(credential)
        return
    existing = await _credential(session, integration)
    metadata = dict((existing.credential_metadata or {}) if existing is not None else {})
    metadata["masked"] = masked_view(auth_type, secret)
    if retarget_record is not None:
        history = list(metadata.get("retargets") or [])
        metadata["retargets"] = [*history, retarget_record][-RETARGET_HISTORY:]
    credential = await credentials.store_secret(
        session,
        workspace_id,
        CREDENTIAL_KIND,
        secret,
        metadata,
        credential_id=integration.credential_id,
    )
    integration.credential_id = credential.id


# --- where saved secrets go -----------------------------------------------------------------


@dataclass(frozen=True)
class Move:
    """One destination of the saved secrets that an update changes."""

    setting: str  # "base_url" or "auth_config.token_url"
    old: Origin | None
    new: Origin | None

    def describe(self) -> str:
        return f"{self.setting} {show_origin(self.old)} -> {show_origin(self.new)}"


def secret_retarget(integration: Integration, data: IntegrationUpdate) -> list[Move]:
    """What in `data` would send the integration's saved secrets to another origin (empty
    when it holds none, or nothing moves). An auth_type change is not a move: it drops the
    saved secrets."""
    if integration.credential_id is None or _builtin_name(integration) is not None:
        return []
    moves: list[Move] = []
    if data.base_url is not None:
        old, new = origin_of(integration.base_url or ""), origin_of(str(data.base_url))
        if old != new:
            moves.append(Move("base_url", old, new))
    same_type = data.auth_type is None or data.auth_type.value == integration.auth_type
    if integration.auth_type == AuthType.oauth2.value and same_type and data.auth_config:
        old_url = str((integration.auth_config or {}).get("token_url") or "")
        new_url = str(data.auth_config.get("token_url") or old_url)
        if origin_of(old_url) != origin_of(new_url):
            moves.append(Move("auth_config.token_url", origin_of(old_url), origin_of(new_url)))
    return moves


def _check_retarget(
    integration: Integration,
    moves: list[Move],
    stored: dict[str, str],
    data: IntegrationUpdate,
) -> str:
    """How a retarget is allowed ("secrets_entered" or "confirmed"); raises when neither."""
    saved = shown_secret_fields(AuthType(integration.auth_type), stored)
    entered = set(data.secrets or {})
    if set(saved) <= entered:
        return "secrets_entered"
    if data.confirm_secret_retarget:
        return "confirmed"
    where = "; ".join(m.describe() for m in moves)
    raise ConflictError(
        f"Integration '{integration.name}' has saved credentials ({', '.join(saved)}) that "
        f"this change would send somewhere new ({where}). Enter them again in `secrets`, "
        "or set `confirm_secret_retarget: true` to send the saved ones there",
        code="conflict:secret_retarget",
        details={
            "secrets": saved,
            "moves": [
                {"setting": m.setting, "from": show_origin(m.old), "to": show_origin(m.new)}
                for m in moves
            ],
        },
    )


def _retarget_record(
    integration: Integration, moves: list[Move], how: str, actor: str
) -> dict[str, Any]:
    record = {
        "at": utcnow().isoformat(),
        "by": actor,
        "how": how,
        "moves": [
            {"setting": m.setting, "from": show_origin(m.old), "to": show_origin(m.new)}
            for m in moves
        ],
    }
    # Origins only: never a secret, never a full URL (its query may hold one).
    logger.warning(
        "integration %s: %s moved its saved credentials (%s): %s",
        integration.id,
        actor,
        how,
        "; ".join(m.describe() for m in moves),
    )
    return record


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
    *,
    actor: str = "unknown",
) -> IntegrationPublic:
    """Apply `data`. The caller has checked the role; a retarget of saved secrets must also
    carry the secrets again or the confirmation (else 409 conflict:secret_retarget)."""
    changes = data.model_fields_set - {"confirm_secret_retarget"}
    nulled = sorted(f for f in changes - {"secrets"} if getattr(data, f) is None)
    if nulled:
        raise ValidationFailed(f"{', '.join(nulled)} may be left out but not set to null")
    builtin = _builtin_name(integration) is not None
    if builtin and changes & {"base_url", "auth_type", "auth_config", "secrets"}:
        raise ValidationFailed("A built-in integration has no base_url, auth or secrets")
    moves = secret_retarget(integration, data)
    if data.name is not None:
        integration.name = data.name
    if data.enabled is not None:
        integration.enabled = data.enabled
    if data.base_url is not None:
        integration.base_url = str(data.base_url).rstrip("/")
    if builtin or not (moves or changes & {"auth_type", "auth_config", "secrets"}):
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
    record = None
    if moves:
        how = _check_retarget(integration, moves, stored, data)
        record = _retarget_record(integration, moves, how, actor)
        # The cached token was issued for the old target; a new one comes from the token URL.
        stored.pop(ACCESS_TOKEN_FIELD, None)
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
    await write_secrets(session, workspace_id, integration, stored, retarget_record=record)
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
