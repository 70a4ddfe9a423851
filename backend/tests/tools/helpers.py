"""Build callable custom API tools against local servers, with secrets stored encrypted."""

from __future__ import annotations

import uuid
from typing import Any

from fastapi import FastAPI

from app.credentials import service as credentials
from app.integrations.models import Integration
from app.integrations.models import Tool as ToolRow
from app.tools.egress import EgressGuard
from app.tools.enhance import ModelGetter
from app.tools.http import HttpApiTool
from app.tools.runtime import ToolRuntime

WS = uuid.UUID("00000000-0000-0000-0000-000000000001")


def runtime_for(app: FastAPI, guard: EgressGuard) -> ToolRuntime:
    return ToolRuntime(app.state.settings, app.state.sessionmaker, app.state.redis, guard)


async def make_tool(
    runtime: ToolRuntime,
    base_url: str,
    *,
    auth_type: str = "none",
    config: dict[str, Any] | None = None,
    secrets: dict[str, str] | None = None,
    method: str = "GET",
    path: str = "/echo",
    schema: dict[str, Any] | None = None,
    preprocess: str | None = None,
    postprocess: str | None = None,
    get_model: ModelGetter | None = None,
) -> HttpApiTool:
    credential_id = None
    if secrets:
        async with runtime.sessionmaker() as session:
            row = await credentials.store_secret(session, WS, "integration", secrets)
            await session.commit()
            credential_id = row.id
    agent_id = uuid.uuid4()
    integration = Integration(
        id=uuid.uuid4(),
        agent_id=agent_id,
        kind="custom_api",
        name="Test API",
        base_url=base_url,
        auth_type=auth_type,
        auth_config=config or {},
        credential_id=credential_id,
        enabled=True,
    )
    tool = ToolRow(
        id=uuid.uuid4(),
        integration_id=integration.id,
        agent_id=agent_id,
        name="test_tool",
        description="",
        method=method,
        path=path,
        input_schema=schema or {"type": "object"},
        timeout_s=5.0,
        preprocess=preprocess,
        postprocess=postprocess,
        enabled=True,
    )
    return HttpApiTool(tool, integration, WS, runtime, get_model)
