"""/api/v1/agents: thin HTTP layer over app.agents.service."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response, status

from app.agents import service
from app.agents.models import Agent
from app.agents.schemas import AgentCreate, AgentPublic, AgentsPublic, AgentStatus, AgentUpdate
from app.auth.deps import CurrentPrincipal
from app.database import SessionDep
from app.tools.egress import EgressDep
from app.validation import Offset

router = APIRouter(prefix="/api/v1/agents", tags=["agents"])


async def valid_agent(
    agent_id: uuid.UUID, session: SessionDep, principal: CurrentPrincipal
) -> Agent:
    return await service.get_agent(session, principal.workspace_id, agent_id)


AgentDep = Annotated[Agent, Depends(valid_agent)]


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=AgentPublic,
    response_model_by_alias=True,
)
async def create_agent(
    data: AgentCreate, session: SessionDep, principal: CurrentPrincipal, egress: EgressDep
) -> AgentPublic:
    return await service.create_agent(session, principal.workspace_id, data, egress)


@router.get("", response_model=AgentsPublic, response_model_by_alias=True)
async def list_agents(
    session: SessionDep,
    principal: CurrentPrincipal,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    offset: Offset = 0,
    status: AgentStatus | None = None,
    q: Annotated[str | None, Query(max_length=200, description="Search by name")] = None,
) -> AgentsPublic:
    return await service.list_agents(
        session, principal.workspace_id, limit=limit, offset=offset, status=status, q=q
    )


@router.get("/{agent_id}", response_model=AgentPublic, response_model_by_alias=True)
async def read_agent(agent: AgentDep, session: SessionDep) -> AgentPublic:
    return await service.read_agent(session, agent)


@router.patch("/{agent_id}", response_model=AgentPublic, response_model_by_alias=True)
async def update_agent(
    agent: AgentDep, data: AgentUpdate, session: SessionDep, egress: EgressDep
) -> AgentPublic:
    return await service.update_agent(session, agent, data, egress)


@router.delete("/{agent_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_agent(agent: AgentDep, session: SessionDep) -> Response:
    await service.delete_agent(session, agent)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
