"""Test tools and an agent row for run tests (shared by the playground and trace tests)."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import FastAPI
from sqlalchemy import select

from app.agents.models import Agent
from app.conversations.models import Message
from app.tools.base import Tool, ToolResult
from app.traces.models import ExecutionTrace
from tests.conftest import OWNER_A

Handler = Callable[[dict[str, Any]], Awaitable[ToolResult]]


class FakeTool(Tool):
    """A tool whose behaviour is a plain async function; records every call."""

    def __init__(self, name: str, handler: Handler, *, timeout_s: float = 30.0) -> None:
        self.name = name
        self.description = f"The {name} tool"
        self.input_schema = {"type": "object", "properties": {}}
        self.timeout_s = timeout_s
        self.handler = handler
        self.calls: list[dict[str, Any]] = []
        self.started = asyncio.Event()

    async def call(self, arguments: dict[str, Any]) -> ToolResult:
        self.calls.append(arguments)
        self.started.set()
        return await self.handler(arguments)


def returns(content: str, data: Any = None) -> Handler:
    async def handler(arguments: dict[str, Any]) -> ToolResult:
        return ToolResult(content=content, data=data)

    return handler


def waits_for(event: asyncio.Event, content: str = "done") -> Handler:
    async def handler(arguments: dict[str, Any]) -> ToolResult:
        await event.wait()
        return ToolResult(content=content)

    return handler


async def create_agent(app: FastAPI, **fields: Any) -> Agent:
    values: dict[str, Any] = {
        "workspace_id": OWNER_A.workspace_id,
        "name": "Weather bot",
        "system_prompt": "You answer weather questions.",
        "provider": "openai",
        "model": "gpt-4o-mini",
        "llm_config": {},
        "status": "active",
    }
    values.update(fields)
    async with app.state.sessionmaker() as session:
        agent = Agent(id=uuid.uuid4(), **values)
        session.add(agent)
        await session.commit()
    return agent


async def messages_of(app: FastAPI, conversation_id: uuid.UUID) -> list[Message]:
    async with app.state.sessionmaker() as session:
        rows = await session.scalars(
            select(Message).where(Message.conversation_id == conversation_id).order_by(Message.seq)
        )
        return list(rows)


async def traces_of(app: FastAPI, conversation_id: uuid.UUID) -> list[ExecutionTrace]:
    async with app.state.sessionmaker() as session:
        rows = await session.scalars(
            select(ExecutionTrace)
            .where(ExecutionTrace.conversation_id == conversation_id)
            .order_by(ExecutionTrace.started_at)
        )
        return list(rows)
