"""Conversation history: /api/v1/agents/{id}/conversations and /api/v1/conversations/{id}."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response, status

from app.agents.router import AgentDep
from app.auth.deps import CurrentPrincipal
from app.conversations import service
from app.conversations.models import Conversation
from app.conversations.schemas import ConversationPublic, ConversationsPublic, MessagesPublic
from app.database import SessionDep
from app.validation import Offset

router = APIRouter(tags=["conversations"])


async def valid_conversation(
    conversation_id: uuid.UUID, session: SessionDep, principal: CurrentPrincipal
) -> Conversation:
    return await service.get_conversation(session, principal.workspace_id, conversation_id)


ConversationDep = Annotated[Conversation, Depends(valid_conversation)]


@router.get("/api/v1/agents/{agent_id}/conversations", response_model=ConversationsPublic)
async def list_conversations(
    agent: AgentDep,
    session: SessionDep,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    offset: Offset = 0,
) -> ConversationsPublic:
    """The agent's conversations, most recently active first."""
    return await service.list_conversations(session, agent, limit=limit, offset=offset)


@router.get("/api/v1/conversations/{conversation_id}", response_model=ConversationPublic)
async def read_conversation(conversation: ConversationDep) -> ConversationPublic:
    return ConversationPublic.model_validate(conversation)


@router.get("/api/v1/conversations/{conversation_id}/messages", response_model=MessagesPublic)
async def list_messages(
    conversation: ConversationDep,
    session: SessionDep,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Offset = 0,
) -> MessagesPublic:
    """The conversation's messages in order (by seq)."""
    return await service.list_messages(session, conversation, limit=limit, offset=offset)


@router.delete("/api/v1/conversations/{conversation_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_conversation(
    conversation: ConversationDep, session: SessionDep, request: Request
) -> Response:
    """Delete the conversation with its messages and traces; a run in flight is stopped."""
    registry = getattr(request.app.state, "run_registry", None)
    if registry is not None:
        await registry.cancel(conversation.id)
    await service.delete_conversation(session, conversation)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
