"""Tool use cases: list, create, update, delete (loading is in app.integrations.service)."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.exceptions import ValidationFailed
from app.integrations.input_schema import checked_input_schema
from app.integrations.models import Integration, Tool
from app.integrations.request_spec import refit
from app.integrations.schemas import (
    IntegrationKind,
    ToolCreate,
    ToolPublic,
    ToolsPublic,
    ToolUpdate,
)
from app.integrations.service import commit_or_conflict, ensure_tool_names_free


def tool_public(tool: Tool) -> ToolPublic:
    return ToolPublic.model_validate(tool)


async def list_tools(
    session: AsyncSession, integration: Integration, *, limit: int, offset: int
) -> ToolsPublic:
    condition = Tool.integration_id == integration.id
    total = await session.scalar(select(func.count()).select_from(Tool).where(condition))
    rows = await session.scalars(
        select(Tool).where(condition).order_by(Tool.name, Tool.id).limit(limit).offset(offset)
    )
    items = [tool_public(t) for t in rows]
    return ToolsPublic(items=items, total=total or 0, limit=limit, offset=offset)


async def create_tool(
    session: AsyncSession, integration: Integration, data: ToolCreate
) -> ToolPublic:
    input_schema = await checked_input_schema(data.input_schema)
    if integration.kind == IntegrationKind.builtin:
        raise ValidationFailed("A built-in integration has a fixed set of tools")
    await ensure_tool_names_free(session, integration.agent_id, [data.name])
    tool = Tool(
        integration_id=integration.id,
        agent_id=integration.agent_id,
        **{**data.model_dump(), "input_schema": input_schema},
    )
    session.add(tool)
    await commit_or_conflict(session)
    await session.refresh(tool)
    return tool_public(tool)


_BUILTIN_EDITABLE = {"name", "description", "enabled", "timeout_s"}


async def update_tool(session: AsyncSession, tool: Tool, data: ToolUpdate) -> ToolPublic:
    changes = data.model_dump(exclude_unset=True)
    if changes.get("input_schema") is not None:
        changes["input_schema"] = await checked_input_schema(changes["input_schema"])
    nulled = sorted(
        f for f, v in changes.items() if v is None and f not in ("preprocess", "postprocess")
    )
    if nulled:
        raise ValidationFailed(f"{', '.join(nulled)} may be left out but not set to null")
    integration = await session.get(Integration, tool.integration_id)
    if integration is not None and integration.kind == IntegrationKind.builtin:
        fixed = sorted(set(changes) - _BUILTIN_EDITABLE)
        if fixed:
            raise ValidationFailed(f"A built-in tool's {', '.join(fixed)} cannot be changed")
    if "name" in changes and changes["name"] != tool.name:
        await ensure_tool_names_free(session, tool.agent_id, [changes["name"]], except_id=tool.id)
    if tool.request_spec and ("path" in changes or "input_schema" in changes):
        # An imported operation's request map must fit the edited path and inputs.
        changes["request_spec"] = refit(
            tool.request_spec,
            changes.get("path", tool.path),
            changes.get("input_schema", tool.input_schema) or {},
        )
    for field, value in changes.items():
        setattr(tool, field, value)
    await commit_or_conflict(session)
    await session.refresh(tool)
    return tool_public(tool)


async def delete_tool(session: AsyncSession, tool: Tool) -> None:
    await session.delete(tool)
    await session.commit()
