"""Agent use cases. Every query is scoped to the caller's workspace."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.agents.models import Agent
from app.agents.schemas import AgentCreate, AgentPublic, AgentsPublic, AgentStatus, AgentUpdate
from app.conversations.models import Conversation
from app.credentials.models import EncryptedCredential
from app.exceptions import NotFoundError
from app.integrations.models import Integration
from app.llm.names import ProviderName
from app.tools.egress import EgressGuard
from app.tools.egress_transport import check_server_url


def _last_activity() -> Any:
    return (
        select(func.max(Conversation.updated_at))
        .where(Conversation.agent_id == Agent.id)
        .correlate(Agent)
        .scalar_subquery()
    )


def _public(agent: Agent, last_activity_at: Any = None) -> AgentPublic:
    public = AgentPublic.model_validate(agent)
    public.last_activity_at = last_activity_at
    return public


async def get_agent(session: AsyncSession, workspace_id: uuid.UUID, agent_id: uuid.UUID) -> Agent:
    agent = await session.scalar(
        select(Agent).where(Agent.id == agent_id, Agent.workspace_id == workspace_id)
    )
    if agent is None:
        raise NotFoundError("agent", agent_id)
    return agent


async def read_agent(session: AsyncSession, agent: Agent) -> AgentPublic:
    last = await session.scalar(
        select(func.max(Conversation.updated_at)).where(Conversation.agent_id == agent.id)
    )
    return _public(agent, last)


async def list_agents(
    session: AsyncSession,
    workspace_id: uuid.UUID,
    *,
    limit: int,
    offset: int,
    status: AgentStatus | None = None,
    q: str | None = None,
) -> AgentsPublic:
    conditions = [Agent.workspace_id == workspace_id]
    if status is not None:
        conditions.append(Agent.status == status.value)
    if q:
        escaped = q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        conditions.append(func.lower(Agent.name).like(f"%{escaped.lower()}%", escape="\\"))
    total = await session.scalar(select(func.count()).select_from(Agent).where(*conditions))
    rows = await session.execute(
        select(Agent, _last_activity().label("last_activity_at"))
        .where(*conditions)
        .order_by(Agent.created_at.desc(), Agent.id.desc())
        .limit(limit)
        .offset(offset)
    )
    items = [_public(agent, last) for agent, last in rows.all()]
    return AgentsPublic(items=items, total=total or 0, limit=limit, offset=offset)


async def _check_base_url(egress: EgressGuard, agent_config: dict[str, Any]) -> None:
    """A model server URL is checked when it is saved, as a provider key's is (app.tools.
    egress_transport.check_server_url): a private or loopback host not on
    TOOL_ALLOWED_PRIVATE_HOSTS is a 400 `egress_blocked`; one that does not resolve now is
    accepted, since every request to it is checked again when it is sent."""
    base_url = agent_config.get("base_url")
    if base_url:
        await check_server_url(egress, str(base_url))


async def create_agent(
    session: AsyncSession, workspace_id: uuid.UUID, data: AgentCreate, egress: EgressGuard
) -> AgentPublic:
    llm_config = data.llm_config.model_dump(mode="json", exclude_none=True)
    await _check_base_url(egress, llm_config)
    agent = Agent(
        workspace_id=workspace_id,
        name=data.name,
        description=data.description,
        system_prompt=data.system_prompt,
        provider=data.provider.value,
        model=data.model,
        llm_config=llm_config,
        status=data.status.value,
    )
    session.add(agent)
    await session.commit()
    return _public(agent)


async def update_agent(
    session: AsyncSession, agent: Agent, data: AgentUpdate, egress: EgressGuard
) -> AgentPublic:
    changes = data.model_dump(exclude_unset=True, mode="json")
    merged = dict(agent.llm_config or {})
    if data.llm_config is not None:
        # PATCH semantics inside model_config too: only the keys sent change; null clears one.
        for key, value in data.llm_config.model_dump(mode="json", exclude_unset=True).items():
            if value is None:
                merged.pop(key, None)
            else:
                merged[key] = value
    sent_url = data.llm_config is not None and "base_url" in data.llm_config.model_fields_set
    if sent_url or changes.get("provider") == ProviderName.openai_compatible.value:
        # Checked before anything changes: a refused URL leaves the agent as it was.
        await _check_base_url(egress, merged)
    for field in ("name", "description", "system_prompt", "provider", "model", "status"):
        if field in changes and changes[field] is not None:
            setattr(agent, field, changes[field])
    if data.llm_config is not None:
        agent.llm_config = merged
    await session.commit()
    await session.refresh(agent)
    return await read_agent(session, agent)


async def delete_agent(session: AsyncSession, agent: Agent) -> None:
    """Delete the agent; conversations, messages, integrations, tools, deployments and traces
    go with it (ON DELETE CASCADE), and so do the credentials its integrations held."""
    credential_ids = list(
        await session.scalars(
            select(Integration.credential_id).where(
                Integration.agent_id == agent.id, Integration.credential_id.is_not(None)
            )
        )
    )
    await session.delete(agent)
    if credential_ids:
        await session.execute(
            delete(EncryptedCredential).where(EncryptedCredential.id.in_(credential_ids))
        )
    await session.commit()
