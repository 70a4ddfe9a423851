"""Conversation history: reads for the REST API and the writes a run makes.

Every read is scoped through the conversation's agent to the caller's workspace, so another
workspace's ids answer 404 exactly like missing ones.
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.agents.models import Agent
from app.conversations.models import Conversation, Message
from app.conversations.schemas import (
    ConversationPublic,
    ConversationsPublic,
    MessagePublic,
    MessagesPublic,
)
from app.database import utcnow
from app.exceptions import NotFoundError

TITLE_MAX_CHARS = 80


def title_from(text: str) -> str:
    """A conversation's title: its first user message on one line, cut to 80 characters."""
    flat = " ".join(text.split())
    return flat if len(flat) <= TITLE_MAX_CHARS else flat[: TITLE_MAX_CHARS - 1] + "…"


def _scoped(workspace_id: uuid.UUID) -> Select[Conversation]:
    return (
        select(Conversation)
        .join(Agent, Agent.id == Conversation.agent_id)
        .where(Agent.workspace_id == workspace_id)
    )


async def get_conversation(
    session: AsyncSession, workspace_id: uuid.UUID, conversation_id: uuid.UUID
) -> Conversation:
    conversation = await session.scalar(
        _scoped(workspace_id).where(Conversation.id == conversation_id)
    )
    if conversation is None:
        raise NotFoundError("conversation", conversation_id)
    return conversation


async def find_agent_conversation(
    session: AsyncSession, agent_id: uuid.UUID, conversation_id: uuid.UUID
) -> Conversation | None:
    return await session.scalar(
        select(Conversation).where(
            Conversation.id == conversation_id, Conversation.agent_id == agent_id
        )
    )


async def list_conversations(
    session: AsyncSession, agent: Agent, *, limit: int, offset: int
) -> ConversationsPublic:
    total = await session.scalar(
        select(func.count()).select_from(Conversation).where(Conversation.agent_id == agent.id)
    )
    rows = await session.scalars(
        select(Conversation)
        .where(Conversation.agent_id == agent.id)
        .order_by(Conversation.updated_at.desc(), Conversation.id.desc())
        .limit(limit)
        .offset(offset)
    )
    return ConversationsPublic(
        items=[ConversationPublic.model_validate(c) for c in rows],
        total=total or 0,
        limit=limit,
        offset=offset,
    )


async def list_messages(
    session: AsyncSession, conversation: Conversation, *, limit: int, offset: int
) -> MessagesPublic:
    total = await session.scalar(
        select(func.count()).select_from(Message).where(Message.conversation_id == conversation.id)
    )
    rows = await session.scalars(
        select(Message)
        .where(Message.conversation_id == conversation.id)
        .order_by(Message.seq)
        .limit(limit)
        .offset(offset)
    )
    return MessagesPublic(
        items=[MessagePublic.model_validate(m) for m in rows],
        total=total or 0,
        limit=limit,
        offset=offset,
    )


async def delete_conversation(session: AsyncSession, conversation: Conversation) -> None:
    """Delete the conversation; its messages and traces go with it (ON DELETE CASCADE)."""
    await session.delete(conversation)
    await session.commit()


async def stored_messages(session: AsyncSession, conversation_id: uuid.UUID) -> list[Message]:
    rows = await session.scalars(
        select(Message).where(Message.conversation_id == conversation_id).order_by(Message.seq)
    )
    return list(rows)


def new_conversation(agent_id: uuid.UUID, first_message: str, channel: str) -> Conversation:
    return Conversation(
        id=uuid.uuid4(), agent_id=agent_id, channel=channel, title=title_from(first_message)
    )


def new_message(
    conversation_id: uuid.UUID,
    seq: int,
    role: str,
    content: str,
    *,
    status: str = "complete",
    tool_calls: list[dict[str, Any]] | None = None,
    tool_call_id: str | None = None,
    metadata: dict[str, Any] | None = None,
) -> Message:
    return Message(
        id=uuid.uuid4(),
        conversation_id=conversation_id,
        seq=seq,
        role=role,
        content=content,
        status=status,
        tool_calls=tool_calls,
        tool_call_id=tool_call_id,
        message_metadata=metadata or {},
    )


async def touch(session: AsyncSession, conversation_id: uuid.UUID) -> None:
    """Mark the conversation active now (the agent list shows its last activity)."""
    conversation = await session.get(Conversation, conversation_id)
    if conversation is not None:
        conversation.updated_at = utcnow()
