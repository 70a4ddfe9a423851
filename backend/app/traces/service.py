"""Reading a conversation's execution traces."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.conversations.models import Conversation
from app.traces.models import ExecutionTrace
from app.traces.schemas import TraceNode, TracePublic, TracesPublic


async def conversation_traces(session: AsyncSession, conversation: Conversation) -> TracesPublic:
    rows = await session.scalars(
        select(ExecutionTrace)
        .where(ExecutionTrace.conversation_id == conversation.id)
        .order_by(ExecutionTrace.started_at, ExecutionTrace.id)
    )
    items = [TracePublic.model_validate(row) for row in rows]
    return TracesPublic(items=items, tree=build_tree(items))


def build_tree(items: list[TracePublic]) -> list[TraceNode]:
    """Nest rows under their parent_id; a row whose parent is missing becomes a root."""
    nodes = {item.id: TraceNode(**item.model_dump()) for item in items}
    roots: list[TraceNode] = []
    for item in items:
        node = nodes[item.id]
        parent = nodes.get(item.parent_id) if item.parent_id is not None else None
        (parent.children if parent is not None else roots).append(node)
    return roots
