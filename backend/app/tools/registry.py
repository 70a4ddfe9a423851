"""Build an agent's callable tools from its integrations and tool rows."""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import defer

from app.agents.models import Agent
from app.integrations.models import Integration
from app.integrations.models import Tool as ToolRow
from app.tools.base import Tool, ToolResult
from app.tools.builtin import BUILTINS
from app.tools.enhance import ModelGetter
from app.tools.http import HttpApiTool
from app.tools.runtime import ToolRuntime


class _UnavailableTool(Tool):
    """A tool row that cannot run (unknown built-in): the model is told why."""

    def __init__(self, row: ToolRow, reason: str) -> None:
        self.name = row.name
        self.description = row.description
        self.input_schema = row.input_schema or {"type": "object"}
        self.reason = reason

    async def call(self, arguments: dict[str, object]) -> ToolResult:
        return ToolResult(content=f"{self.name}: {self.reason}", is_error=True)


async def model_getter(session: AsyncSession, agent: Agent, runtime: ToolRuntime) -> ModelGetter:
    """A factory for the agent's own model, used by pre/post-process prompts: the key is read
    now, the model is built (and any error raised) when a prompt needs it."""
    choice = await runtime.models.choose(session, agent)
    return lambda: runtime.models.build(choice)


def build_tool(
    row: ToolRow,
    integration: Integration,
    agent: Agent,
    runtime: ToolRuntime,
    get_model: ModelGetter | None,
) -> Tool:
    if integration.kind == "builtin":
        builtin = BUILTINS.get(row.path)
        if builtin is None:
            return _UnavailableTool(row, f"unknown built-in tool '{row.path}'")
        tool: Tool = builtin(name=row.name, description=row.description)
        tool.timeout_s = row.timeout_s
        return tool
    return HttpApiTool(row, integration, agent.workspace_id, runtime, get_model)


async def load_agent_tools(
    session: AsyncSession, agent_id: uuid.UUID, runtime: ToolRuntime
) -> list[Tool]:
    """The agent's enabled tools of enabled integrations, ready to call."""
    agent = await session.get(Agent, agent_id)
    if agent is None:
        return []
    rows = await session.execute(
        select(ToolRow, Integration)
        .join(Integration, ToolRow.integration_id == Integration.id)
        .where(ToolRow.agent_id == agent_id, ToolRow.enabled, Integration.enabled)
        .order_by(ToolRow.name)
        # The imported OpenAPI document (megabytes for some APIs) is never needed to call a
        # tool; reading it made every turn of a large agent take seconds. raiseload: code
        # that starts to need it fails loudly instead of quietly loading it again.
        .options(defer(Integration.openapi_spec, raiseload=True))
    )
    pairs = [(row, integration) for row, integration in rows.all()]
    needs_model = any(r.preprocess or r.postprocess for r, _ in pairs)
    get_model = await model_getter(session, agent, runtime) if needs_model else None
    return [build_tool(row, integration, agent, runtime, get_model) for row, integration in pairs]
