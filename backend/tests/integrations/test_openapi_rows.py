"""The imported tools' rows, written in one INSERT from JSON text prepared off the event loop:
stored as JSON objects (JSONB on PostgreSQL), with the ids the response shows; a name taken
by a concurrent request is the same 409, with nothing written."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import func, select

from app.integrations import service
from app.integrations.models import Integration, Tool
from tests.integrations.conftest import assert_error

SPEC = {
    "openapi": "3.0.3",
    "info": {"title": "Rows", "version": "1"},
    "servers": [{"url": "https://rows.example"}],
    "paths": {
        f"/items/{{id}}/part{n}": {
            "get": {
                "operationId": f"getPart{n}",
                "parameters": [
                    {"name": "id", "in": "path", "required": True, "schema": {"type": "string"}},
                    {"name": "tags", "in": "query", "schema": {"type": "array"}},
                ],
                "responses": {"200": {"description": "ok"}},
            }
        }
        for n in range(3)
    },
}


def url(agent: dict[str, Any]) -> str:
    return f"/api/v1/agents/{agent['id']}/integrations/import-openapi"


async def test_imported_rows_hold_json_objects_and_the_ids_shown(
    app: FastAPI, client: httpx.AsyncClient, agent: dict[str, Any]
) -> None:
    response = await client.post(url(agent), json={"spec": json.dumps(SPEC)})
    assert response.status_code == 201, response.text
    shown = {t["id"]: t for t in response.json()["tools"]}
    async with app.state.sessionmaker() as session:
        rows = (await session.scalars(select(Tool).order_by(Tool.name))).all()
        # Queried inside the JSON: only an object stored as JSON (not a string) answers.
        paths = await session.scalars(select(Tool.request_spec["parameters"][0]["in"].as_string()))
        assert set(paths.all()) == {"path"}
    assert {str(r.id) for r in rows} == set(shown) and len(rows) == 3
    for row in rows:
        assert row.input_schema == shown[str(row.id)]["input_schema"]
        assert row.input_schema["properties"]["id"] == {"type": "string"}
        assert row.request_spec is not None and row.request_spec["server"] is None
        assert row.created_at is not None and row.enabled and str(row.agent_id) == agent["id"]
        assert str(row.integration_id) == response.json()["integration"]["id"]


async def test_a_name_taken_meanwhile_is_a_409_and_nothing_is_written(
    app: FastAPI,
    client: httpx.AsyncClient,
    agent: dict[str, Any],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    first = await client.post(url(agent), json={"spec": json.dumps(SPEC)})
    assert first.status_code == 201, first.text

    async def names_look_free(*args: Any, **kwargs: Any) -> None:
        """Another request adds the same names after this check (the race)."""

    monkeypatch.setattr(service, "ensure_tool_names_free", names_look_free)
    again = await client.post(url(agent), json={"spec": json.dumps(SPEC), "name": "Again"})
    assert_error(again, 409, "conflict:tool_name")
    async with app.state.sessionmaker() as session:
        assert await session.scalar(select(func.count()).select_from(Integration)) == 1
        assert await session.scalar(select(func.count()).select_from(Tool)) == 3
