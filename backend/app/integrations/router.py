"""Integrations and tools: thin HTTP layer over app.integrations.service.

/api/v1/agents/{agent_id}/integrations                 GET list, POST create
/api/v1/agents/{agent_id}/integrations/import-openapi  POST
/api/v1/integrations/{integration_id}                  GET, PATCH, DELETE
/api/v1/integrations/{integration_id}/tools            GET list, POST create
/api/v1/tools/{tool_id}                                GET, PATCH, DELETE
/api/v1/tools/{tool_id}/test                           POST
"""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, Query, Request, Response, status

from app.agents.router import AgentDep
from app.auth.deps import CurrentPrincipal
from app.auth.principal import Principal, Role
from app.database import SessionDep
from app.exceptions import PermissionDenied
from app.integrations import importer, service, tool_service, trial
from app.integrations.auth_types import AuthType
from app.integrations.models import Integration, Tool
from app.integrations.schemas import (
    IntegrationCreate,
    IntegrationPublic,
    IntegrationsPublic,
    IntegrationUpdate,
    OpenAPIImport,
    OpenAPIImportPublic,
    ToolCreate,
    ToolPublic,
    ToolsPublic,
    ToolTestPublic,
    ToolTestRequest,
    ToolUpdate,
)
from app.tools.runtime import ToolRuntime
from app.validation import Offset

router = APIRouter(prefix="/api/v1", tags=["integrations"])

Limit = Annotated[int, Query(ge=1, le=100)]

_CREATE_EXAMPLES: dict[str, Any] = {
    "custom_api": {
        "summary": "A custom HTTP API with an API key header",
        "value": {
            "name": "Weather",
            "base_url": "https://api.weather.example/v1",
            "auth_type": "api_key",
            "auth_config": {"location": "header", "name": "X-API-Key"},
            "secrets": {"api_key": "sk-your-key"},
        },
    },
    "builtin": {
        "summary": "A built-in tool (calculator or current_time)",
        "value": {"kind": "builtin", "builtin": "calculator"},
    },
}


async def valid_integration(
    integration_id: uuid.UUID, session: SessionDep, principal: CurrentPrincipal
) -> Integration:
    return await service.get_integration(session, principal.workspace_id, integration_id)


async def valid_tool(tool_id: uuid.UUID, session: SessionDep, principal: CurrentPrincipal) -> Tool:
    return await service.get_tool(session, principal.workspace_id, tool_id)


IntegrationDep = Annotated[Integration, Depends(valid_integration)]
ToolDep = Annotated[Tool, Depends(valid_tool)]


def tool_runtime(request: Request) -> ToolRuntime:
    runtime: ToolRuntime = request.app.state.tool_runtime
    return runtime


RuntimeDep = Annotated[ToolRuntime, Depends(tool_runtime)]


def require_credential_manager(principal: Principal, *, touches_credentials: bool) -> None:
    """Members build agents and tools; storing, changing or dropping a credential is for
    owners and admins (the same rule as provider keys and members)."""
    if touches_credentials and not principal.has_role(Role.admin):
        raise PermissionDenied(
            "Only a workspace owner or admin may store, change or remove credentials",
            code="forbidden:credentials",
        )


@router.post(
    "/agents/{agent_id}/integrations",
    status_code=status.HTTP_201_CREATED,
    response_model=IntegrationPublic,
)
async def create_integration(
    agent: AgentDep,
    session: SessionDep,
    principal: CurrentPrincipal,
    data: Annotated[IntegrationCreate, Body(openapi_examples=_CREATE_EXAMPLES)],
) -> IntegrationPublic:
    require_credential_manager(
        principal, touches_credentials=bool(data.secrets) or data.auth_type is not AuthType.none
    )
    return await service.create_integration(session, agent, data)


@router.get("/agents/{agent_id}/integrations", response_model=IntegrationsPublic)
async def list_integrations(
    agent: AgentDep, session: SessionDep, limit: Limit = 20, offset: Offset = 0
) -> IntegrationsPublic:
    return await service.list_integrations(session, agent, limit=limit, offset=offset)


@router.post(
    "/agents/{agent_id}/integrations/import-openapi",
    response_model=OpenAPIImportPublic,
    responses={201: {"model": OpenAPIImportPublic}},
)
async def import_openapi(
    agent: AgentDep,
    data: OpenAPIImport,
    session: SessionDep,
    runtime: RuntimeDep,
    response: Response,
    principal: CurrentPrincipal,
) -> OpenAPIImportPublic:
    require_credential_manager(principal, touches_credentials=bool(data.secrets))
    result = await importer.import_openapi(session, agent, data, runtime.egress)
    response.status_code = status.HTTP_200_OK if data.dry_run else status.HTTP_201_CREATED
    return result


@router.get("/integrations/{integration_id}", response_model=IntegrationPublic)
async def read_integration(integration: IntegrationDep, session: SessionDep) -> IntegrationPublic:
    return await service.read_integration(session, integration)


@router.patch("/integrations/{integration_id}", response_model=IntegrationPublic)
async def update_integration(
    integration: IntegrationDep,
    data: IntegrationUpdate,
    session: SessionDep,
    principal: CurrentPrincipal,
) -> IntegrationPublic:
    require_credential_manager(
        principal,
        touches_credentials=data.secrets is not None
        or data.auth_type is not None
        or data.auth_config is not None,
    )
    moves = service.secret_retarget(integration, data)
    if moves and not principal.has_role(Role.admin):
        # Members may use an integration's saved credentials, not send them somewhere new.
        raise PermissionDenied(
            "Only a workspace owner or admin may change where an integration's saved "
            f"credentials are sent ({'; '.join(m.describe() for m in moves)})",
            code="forbidden:credentials",
        )
    return await service.update_integration(
        session, principal.workspace_id, integration, data, actor=_actor(principal)
    )


def _actor(principal: Principal) -> str:
    """Who made a change, for the log and the credential's retarget history."""
    if principal.user_id is not None:
        return f"user:{principal.user_id}"
    if principal.api_key_id is not None:
        return f"api_key:{principal.api_key_id}"
    return "unknown"


@router.delete("/integrations/{integration_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_integration(
    integration: IntegrationDep, session: SessionDep, principal: CurrentPrincipal
) -> Response:
    require_credential_manager(principal, touches_credentials=integration.credential_id is not None)
    await service.delete_integration(session, integration)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/integrations/{integration_id}/tools", response_model=ToolsPublic)
async def list_tools(
    integration: IntegrationDep, session: SessionDep, limit: Limit = 50, offset: Offset = 0
) -> ToolsPublic:
    return await tool_service.list_tools(session, integration, limit=limit, offset=offset)


@router.post(
    "/integrations/{integration_id}/tools",
    status_code=status.HTTP_201_CREATED,
    response_model=ToolPublic,
)
async def create_tool(
    integration: IntegrationDep, data: ToolCreate, session: SessionDep
) -> ToolPublic:
    return await tool_service.create_tool(session, integration, data)


@router.get("/tools/{tool_id}", response_model=ToolPublic)
async def read_tool(tool: ToolDep) -> ToolPublic:
    return tool_service.tool_public(tool)


@router.patch("/tools/{tool_id}", response_model=ToolPublic)
async def update_tool(tool: ToolDep, data: ToolUpdate, session: SessionDep) -> ToolPublic:
    return await tool_service.update_tool(session, tool, data)


@router.delete("/tools/{tool_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_tool(tool: ToolDep, session: SessionDep) -> Response:
    await tool_service.delete_tool(session, tool)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post("/tools/{tool_id}/test", response_model=ToolTestPublic)
async def test_tool(
    tool: ToolDep, data: ToolTestRequest, session: SessionDep, runtime: RuntimeDep
) -> ToolTestPublic:
    return await trial.run_tool_test(session, tool, data.arguments, runtime)
