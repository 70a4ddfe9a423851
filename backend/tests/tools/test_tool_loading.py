"""Loading an agent's tools for a turn never reads the stored OpenAPI document.

An imported spec can be megabytes; reading it once per tool made every turn of a 175-tool agent
take seconds. These tests watch the SQL itself, so the column cannot creep back into the query.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import event, inspect, update
from sqlalchemy.exc import InvalidRequestError
from sqlalchemy.ext.asyncio import AsyncSession

from app.integrations.models import Integration
from app.tools.http import HttpApiTool
from app.tools.registry import load_agent_tools
from tests.tools.conftest import GuardFactory
from tests.tools.helpers import runtime_for

# Big enough that reading it would show; what it says does not matter.
SPEC: dict[str, Any] = {
    "openapi": "3.1.0",
    "info": {"title": "Big", "version": "1"},
    "paths": {f"/p{i}": {"get": {"operationId": f"op{i}"}} for i in range(2_000)},
}


@contextmanager
def statements(session: AsyncSession) -> Iterator[list[str]]:
    """Every SQL statement the session's engine runs inside the block."""
    seen: list[str] = []
    engine = session.bind.sync_engine  # type: ignore[union-attr]

    def record(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        seen.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", record)


async def agent_with_imported_tools(client: httpx.AsyncClient, app: FastAPI) -> uuid.UUID:
    agent = (
        await client.post(
            "/api/v1/agents", json={"name": "a", "provider": "openai", "model": "gpt-4o-mini"}
        )
    ).json()
    api = (
        await client.post(
            f"/api/v1/agents/{agent['id']}/integrations",
            json={"name": "API", "base_url": "https://api.example"},
        )
    ).json()
    for name in ("list_pets", "get_pet"):  # stored like imported ones; the spec is set below
        created = await client.post(
            f"/api/v1/integrations/{api['id']}/tools", json={"name": name, "path": f"/{name}"}
        )
        assert created.status_code == 201, created.text
    async with app.state.sessionmaker() as session:
        await session.execute(
            update(Integration)
            .where(Integration.id == uuid.UUID(api["id"]))
            .values(openapi_spec=SPEC)
        )
        await session.commit()
    shown = (await client.get(f"/api/v1/integrations/{api['id']}")).json()
    assert shown["has_openapi_spec"] is True
    return uuid.UUID(agent["id"])


async def test_loading_tools_never_selects_the_stored_spec(
    app: FastAPI, client: httpx.AsyncClient, make_guard: GuardFactory
) -> None:
    agent_id = await agent_with_imported_tools(client, app)
    runtime = runtime_for(app, make_guard())
    async with app.state.sessionmaker() as session:
        with statements(session) as seen:
            tools = await load_agent_tools(session, agent_id, runtime)
        assert sorted(t.name for t in tools) == ["get_pet", "list_pets"]
        assert seen, "the listener saw no SQL at all"
        assert not [s for s in seen if "openapi_spec" in s]
        integrations = {
            id(t.integration): t.integration for t in tools if isinstance(t, HttpApiTool)
        }
        [integration] = integrations.values()
        assert integration.base_url == "https://api.example"
        assert "openapi_spec" in inspect(integration).unloaded
        # Code that starts to need the spec fails here, instead of reading it on every turn.
        with pytest.raises(InvalidRequestError):
            _ = integration.openapi_spec
