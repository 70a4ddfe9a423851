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
from app.auth.provider_keys import workspace_provider_key
from app.config import Settings
from app.llm.base import Model
from app.tools.base import Tool

ModelFactory = Callable[[Agent, AsyncSession, Principal], Awaitable[Model]]
ToolFactory = Callable[[Agent, AsyncSession, Principal], Awaitable[list[Tool]]]


def default_model_factory(settings: Settings, app_state: Any = None) -> ModelFactory:
    """Workspace provider key first, then the environment's; the agent's base_url for
    openai_compatible servers. Raises app.llm.errors.LLMError (e.g. no key configured), or
    EgressBlocked when a user-given server URL points at a private address."""

    async def build(agent: Agent, session: AsyncSession, principal: Principal) -> Model:
        from app.llm.registry import get_model

        api_key, base_url = await workspace_provider_key(
            session, principal.workspace_id, agent.provider
        )
        agent_base_url = (agent.llm_config or {}).get("base_url")
        if agent.provider == "openai_compatible" and agent_base_url:
            base_url = str(agent_base_url)
        egress = getattr(app_state, "egress", None)
        if agent.provider == "openai_compatible" and base_url and egress is not None:
            # A server URL typed by a user is checked like a tool URL (private, loopback and
            # metadata addresses need TOOL_ALLOWED_PRIVATE_HOSTS) before the SDK connects.
            await egress.check_url(base_url)
        return get_model(
            agent.provider, agent.model, settings=settings, api_key=api_key, base_url=base_url
        )

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
