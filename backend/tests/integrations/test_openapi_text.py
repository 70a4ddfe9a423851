"""Characters no database column can store, put inside a spec by an escape (the request itself
holds only the escape, so the request check lets it through): NUL and lone UTF-16 surrogates.
Refused with the JSON pointer of the string, or replaced with U+FFFD in human text."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import func, select

from app.integrations.models import Integration, Tool
from tests.fakes.http_tool_server import FakeToolServer, json_reply
from tests.integrations.conftest import assert_error


def url(agent: dict[str, Any]) -> str:
    return f"/api/v1/agents/{agent['id']}/integrations/import-openapi"


def spec(enum_value: str = "a", property_name: str = "q", description: str = "d") -> str:
    """JSON text; the strings are escaped by json.dumps (NUL -> \\u0000, a surrogate ->
    \\ud800), as a user's document would carry them."""
    document = {
        "openapi": "3.0.3",
        "info": {"title": "Text", "version": "1"},
        "servers": [{"url": "https://text.example"}],
        "paths": {
            "/items": {
                "get": {
                    "operationId": "listItems",
                    "description": description,
                    "parameters": [
                        {
                            "name": property_name,
                            "in": "query",
                            "schema": {"type": "string", "enum": [enum_value]},
                        }
                    ],
                    "responses": {"200": {"description": "ok"}},
                }
            }
        },
    }
    return json.dumps(document)


async def counts(app: FastAPI) -> tuple[int, int]:
    async with app.state.sessionmaker() as session:
        integrations = await session.scalar(select(func.count()).select_from(Integration))
        tools = await session.scalar(select(func.count()).select_from(Tool))
    return integrations or 0, tools or 0


ENUM_AT = "/paths/~1items/get/parameters/0/schema/enum/0"

BAD_SPECS = [
    pytest.param(spec(enum_value="a\x00b"), "NUL", ENUM_AT, id="json-nul-value"),
    pytest.param(spec(enum_value="a\ud800"), "lone surrogate", ENUM_AT, id="json-surrogate"),
    pytest.param(
        spec(property_name="q\x00"),
        "NUL",
        "/paths/~1items/get/parameters/0/name",
        id="json-nul-name",
    ),
    pytest.param(
        'openapi: 3.0.3\ninfo: {title: T, version: "1"}\nservers: [{url: "https://t.example"}]\n'
        'paths:\n  "/items\\0":\n    get:\n      responses: {"200": {description: ok}}\n',
        "NUL",
        "/paths/~1items\\u0000",
        id="yaml-nul-key",
    ),
    pytest.param(
        '{"openapi": "3.0.3", "info": {"title": "T", "version": "1"}, "paths": {"/a": '
        '{"get": {"responses": {"200": {"description": "ok"}}, "x-\\udfff": 1}}}}',
        "lone surrogate",
        "/paths/~1a/get/x-\\udfff",
        id="json-surrogate-key",
    ),
]


@pytest.mark.parametrize("dry_run", [True, False])
@pytest.mark.parametrize(("text", "problem", "at"), BAD_SPECS)
async def test_nul_and_lone_surrogates_in_a_spec_are_refused_where_they_are(
    app: FastAPI,
    client: httpx.AsyncClient,
    agent: dict[str, Any],
    text: str,
    problem: str,
    at: str,
    dry_run: bool,
) -> None:
    response = await client.post(url(agent), json={"spec": text, "dry_run": dry_run})
    error = assert_error(response, 422, "invalid_spec")
    assert problem in error["message"] and error["details"] == {"path": at}
    assert "\x00" not in response.text
    assert await counts(app) == (0, 0)


async def test_a_nul_in_a_description_is_replaced_and_the_import_stores_it(
    app: FastAPI, client: httpx.AsyncClient, agent: dict[str, Any]
) -> None:
    text = spec(description="Lists\x00 items \ud800.")
    preview = await client.post(url(agent), json={"spec": text, "dry_run": True})
    assert preview.status_code == 200, preview.text
    assert preview.json()["tools"][0]["description"].startswith("Lists\ufffd items \ufffd.")

    response = await client.post(url(agent), json={"spec": text})
    assert response.status_code == 201, response.text
    async with app.state.sessionmaker() as session:
        tool = (await session.scalars(select(Tool))).one()
        integration = (await session.scalars(select(Integration))).one()
    assert tool.description.startswith("Lists\ufffd items \ufffd.")
    stored = integration.openapi_spec
    stored = json.loads(stored) if isinstance(stored, str) else stored
    assert stored["paths"]["/items"]["get"]["description"] == "Lists\ufffd items \ufffd."


async def test_a_spec_by_url_with_a_nul_is_refused_the_same_way(
    app: FastAPI,
    client: httpx.AsyncClient,
    agent: dict[str, Any],
    tool_server: FakeToolServer,
    local_egress: None,
) -> None:
    document = json.loads(spec(enum_value="a\x00b"))
    tool_server.route("GET", "/spec.json", lambda r: json_reply(200, document))
    response = await client.post(url(agent), json={"url": f"{tool_server.url}/spec.json"})
    error = assert_error(response, 422, "invalid_spec")
    assert "NUL" in error["message"] and error["details"] == {"path": ENUM_AT}
    assert await counts(app) == (0, 0)
