"""GET /api/v1/conversations/{id}/traces: the conversation's execution traces."""

from __future__ import annotations

from fastapi import APIRouter

from app.conversations.router import ConversationDep
from app.database import SessionDep
from app.traces import service
from app.traces.schemas import TracesPublic

router = APIRouter(tags=["traces"])


@router.get("/api/v1/conversations/{conversation_id}/traces", response_model=TracesPublic)
async def list_traces(conversation: ConversationDep, session: SessionDep) -> TracesPublic:
    """Every trace row of the conversation, flat and as a tree (run -> llm_call, tool_call)."""
    return await service.conversation_traces(session, conversation)
