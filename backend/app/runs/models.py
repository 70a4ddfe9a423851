"""Resolve what a run uses: the agent's model and its tools.

Both are hooks on app.state (`model_factory`, `tool_factory`) so tests, the dashboard e2e suite
and the benchmark can swap in a ScriptedModel or their own tools:

    async def model_factory(agent, session, principal) -> Model
    async def tool_factory(agent, session, principal) -> list[Tool]
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from app.agents.models import Agent
from app.auth.deps import Principal
from app.llm.base import Model
from app.llm.registry import ModelFactory as Models
from app.tools.base import Tool

ModelFactory = Callable[[Agent, AsyncSession, Principal], Awaitable[Model]]
ToolFactory = Callable[[Agent, AsyncSession, Principal], Awaitable[list[Tool]]]


def default_model_factory(app_state: Any) -> ModelFactory:
    """The agent's model from app.state.models (app.llm.registry.ModelFactory: the workspace's
    provider key first, then the environment's; every base URL through the egress guard).
    Raises app.llm.errors.LLMError (no key configured, a refused base URL, ...)."""

    async def build(agent: Agent, session: AsyncSession, principal: Principal) -> Model:
        models: Models = app_state.models
        return await models.for_agent(session, agent)

    return build


def default_tool_factory(app_state: Any) -> ToolFactory:
    """The agent's enabled tools from its integrations, run through app.state.tool_runtime."""

    async def build(agent: Agent, session: AsyncSession, principal: Principal) -> list[Tool]:
        from app.tools.registry import load_agent_tools

        runtime = getattr(app_state, "tool_runtime", None)
        if runtime is None:
            return []  # no tool runtime on this app: the agent runs without tools
        return list(await load_agent_tools(session, agent.id, runtime))

    return build
