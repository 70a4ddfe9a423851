"""POST /tools/{id}/test: run one tool with given arguments and show what happened, so a user
can check it before an agent uses it."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from app.agents.models import Agent
from app.exceptions import NotFoundError, ValidationFailed
from app.integrations.models import Integration, Tool
from app.integrations.schemas import ToolTestPublic
from app.tools.auth import ToolAuthError
from app.tools.egress import EgressBlocked
from app.tools.enhance import EnhanceError
from app.tools.http import HttpApiTool, ToolInputError
from app.tools.registry import build_tool, model_getter
from app.tools.runtime import ToolRuntime

BODY_PREVIEW_CHARS = 64 * 1024


async def run_tool_test(
    session: AsyncSession, tool: Tool, arguments: dict[str, Any], runtime: ToolRuntime
) -> ToolTestPublic:
    """Egress refusals and timeouts raise (4xx/5xx with their own codes); everything else,
    HTTP errors included, is reported in the result."""
    integration = await session.get(Integration, tool.integration_id)
    agent = await session.get(Agent, tool.agent_id)
    if integration is None or agent is None:
        raise NotFoundError("tool", tool.id)
    get_model = None
    if tool.preprocess or tool.postprocess:
        get_model = await model_getter(session, agent, runtime)
    callable_tool = build_tool(tool, integration, agent, runtime, get_model)
    if not isinstance(callable_tool, HttpApiTool):
        result = await callable_tool.call(arguments)
        return ToolTestPublic(
            ok=not result.is_error,
            status_code=None,
            headers={},
            body="",
            body_truncated=False,
            content=result.content,
            latency_ms=result.latency_ms or 0.0,
            error=result.content if result.is_error else None,
        )
    try:
        outcome = await callable_tool.execute(arguments)
    except ToolInputError as exc:
        raise ValidationFailed(f"arguments: {exc}", code="invalid_arguments") from None
    except EnhanceError as exc:
        if exc.code == EgressBlocked.code:
            # The agent's model server is refused like a refused tool URL: 400 egress_blocked.
            raise EgressBlocked(f"{tool.name}: {exc}", details={"step": "model"}) from None
        return _failed(str(exc))
    except ToolAuthError as exc:
        return _failed(str(exc))
    return ToolTestPublic(
        ok=not outcome.is_error,
        status_code=outcome.status_code,
        headers=outcome.headers,
        body=outcome.body[:BODY_PREVIEW_CHARS],
        body_truncated=outcome.truncated or len(outcome.body) > BODY_PREVIEW_CHARS,
        content=outcome.content,
        latency_ms=outcome.latency_ms,
        error=f"HTTP {outcome.status_code}" if outcome.is_error else None,
    )


def _failed(message: str) -> ToolTestPublic:
    return ToolTestPublic(
        ok=False,
        status_code=None,
        headers={},
        body="",
        body_truncated=False,
        content=message,
        latency_ms=0.0,
        error=message,
    )
