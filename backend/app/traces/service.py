"""Reading a conversation's execution traces, a page of runs at a time."""

from __future__ import annotations

import uuid

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.conversations.models import Conversation
from app.traces.models import ExecutionTrace
from app.traces.schemas import TraceNode, TracePublic, TracesPublic


async def conversation_traces(
    session: AsyncSession, conversation: Conversation, *, limit: int, offset: int
) -> TracesPublic:
    """Runs (rows without a parent), newest first, each with every span under it."""
    is_run = (ExecutionTrace.conversation_id == conversation.id) & ExecutionTrace.parent_id.is_(
        None
    )
    total = await session.scalar(select(func.count()).select_from(ExecutionTrace).where(is_run))
    runs = list(
        await session.scalars(
            select(ExecutionTrace)
            .where(is_run)
            .order_by(ExecutionTrace.started_at.desc(), ExecutionTrace.id.desc())
            .limit(limit)
            .offset(offset)
        )
    )
    rows = runs + await _descendants(session, [run.id for run in runs])
    return TracesPublic(
        items=build_tree([TracePublic.model_validate(row) for row in rows]),
        total=total or 0,
        limit=limit,
        offset=offset,
    )


async def _descendants(session: AsyncSession, parents: list[uuid.UUID]) -> list[ExecutionTrace]:
    """Every span under `parents`, level by level (one level today: run -> llm_call and
    tool_call), each level by start time."""
    found: list[ExecutionTrace] = []
    while parents:
        level = list(
            await session.scalars(
                select(ExecutionTrace)
                .where(ExecutionTrace.parent_id.in_(parents))
                .order_by(ExecutionTrace.started_at, ExecutionTrace.id)
            )
        )
        found += level
        parents = [row.id for row in level]
    return found


def build_tree(items: list[TracePublic]) -> list[TraceNode]:
    """Nest rows under their parent_id, keeping their order; a row whose parent is not among
    them becomes a root."""
    nodes = {item.id: TraceNode(**item.model_dump()) for item in items}
    roots: list[TraceNode] = []
    for item in items:
        node = nodes[item.id]
        parent = nodes.get(item.parent_id) if item.parent_id is not None else None
        (parent.children if parent is not None else roots).append(node)
    return roots
