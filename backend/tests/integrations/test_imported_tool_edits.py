"""An imported tool edited by hand (path, method, input_schema) still sends the request its
edited definition describes, or the edit is refused: never a wrong request sent silently.
Checked against the loopback echo server."""

from __future__ import annotations

import copy
from typing import Any

import httpx
import pytest

from tests.fakes.http_tool_server import FakeToolServer
from tests.integrations.conftest import assert_error
from tests.integrations.test_openapi_requests import call, document, import_tools, ok

pytestmark = pytest.mark.usefixtures("local_egress")

SPEC = document(
    {
        "/pets/{petId}": {
            "get": ok(
                {
                    "operationId": "getPet",
                    "parameters": [
                        {
                            "name": "petId",
                            "in": "path",
                            "required": True,
                            "style": "label",
                            "schema": {"type": "string"},
                        },
                        {
                            "name": "tags",
                            "in": "query",
                            "schema": {"type": "array", "items": {"type": "string"}},
                        },
                        {"name": "X-Trace", "in": "header", "schema": {"type": "string"}},
                    ],
                }
            )
        }
    }
)


@pytest.fixture
async def tool(
    client: httpx.AsyncClient, agent: dict[str, Any], tool_server: FakeToolServer
) -> dict[str, Any]:
    tools = await import_tools(client, agent, SPEC, base_url=tool_server.url)
    response = await client.get(f"/api/v1/tools/{tools['getPet']}")
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def renamed(schema: dict[str, Any], old: str, new: str) -> dict[str, Any]:
    schema = copy.deepcopy(schema)
    schema["properties"][new] = schema["properties"].pop(old)
    schema["required"] = [new if r == old else r for r in schema.get("required", [])]
    return schema


async def test_an_edited_path_is_filled_and_the_other_parameters_kept(
    client: httpx.AsyncClient, tool: dict[str, Any], tool_server: FakeToolServer
) -> None:
    before = await call(client, tool_server, tool["id"], {"petId": "7", "tags": ["a", "b"]})
    assert (before.path, before.query) == ("/pets/.7", {"tags": ["a", "b"]})

    # A placeholder the document described keeps its style (label: `.7`).
    moved = await client.patch(f"/api/v1/tools/{tool['id']}", json={"path": "/v2/pets/{petId}"})
    assert moved.status_code == 200, moved.text
    assert (await call(client, tool_server, tool["id"], {"petId": "7"})).path == "/v2/pets/.7"

    edit = {"path": "/animals/{id}", "input_schema": renamed(tool["input_schema"], "petId", "id")}
    patched = await client.patch(f"/api/v1/tools/{tool['id']}", json=edit)
    assert patched.status_code == 200, patched.text
    request = await call(
        client, tool_server, tool["id"], {"id": "7", "tags": ["a", "b"], "X-Trace": "t-1"}
    )
    # The new placeholder is filled (simple style, as in a hand-made tool), not sent literally
    # with `id` in the query; the query and header parameters still follow the document.
    assert (request.path, request.query) == ("/animals/7", {"tags": ["a", "b"]})
    assert request.header("X-Trace") == "t-1"


async def test_a_placeholder_without_an_input_is_refused_and_the_tool_unchanged(
    client: httpx.AsyncClient, tool: dict[str, Any], tool_server: FakeToolServer
) -> None:
    refused = await client.patch(f"/api/v1/tools/{tool['id']}", json={"path": "/pets/{id}"})
    error = assert_error(refused, 422, "validation_error")
    assert "{id}" in error["message"] and "input_schema" in error["message"]
    shown = (await client.get(f"/api/v1/tools/{tool['id']}")).json()
    assert shown["path"] == "/pets/{petId}"
    request = await call(client, tool_server, tool["id"], {"petId": "7"})
    assert request.path == "/pets/.7"


async def test_a_removed_placeholder_or_property_is_no_longer_placed_by_the_document(
    client: httpx.AsyncClient, tool: dict[str, Any], tool_server: FakeToolServer
) -> None:
    # The placeholder is gone: its argument goes to the query, like any the map does not place.
    patched = await client.patch(f"/api/v1/tools/{tool['id']}", json={"path": "/pets/mine"})
    assert patched.status_code == 200, patched.text
    request = await call(client, tool_server, tool["id"], {"petId": "7"})
    assert (request.path, request.query) == ("/pets/mine", {"petId": ["7"]})

    # X-Trace is no longer an input: a model sending it anyway does not set the header.
    schema = copy.deepcopy(tool["input_schema"])
    del schema["properties"]["X-Trace"]
    patched = await client.patch(f"/api/v1/tools/{tool['id']}", json={"input_schema": schema})
    assert patched.status_code == 200, patched.text
    request = await call(client, tool_server, tool["id"], {"petId": "7", "X-Trace": "t-2"})
    assert request.header("X-Trace") is None
    assert request.query["X-Trace"] == ["t-2"]


async def test_a_body_added_by_hand_is_sent_as_json(
    client: httpx.AsyncClient, tool: dict[str, Any], tool_server: FakeToolServer
) -> None:
    schema = copy.deepcopy(tool["input_schema"])
    schema["properties"]["body"] = {"type": "object"}
    patched = await client.patch(
        f"/api/v1/tools/{tool['id']}", json={"method": "POST", "input_schema": schema}
    )
    assert patched.status_code == 200, patched.text
    request = await call(
        client, tool_server, tool["id"], {"petId": "7", "body": {"name": "Rex"}, "tags": ["x"]}
    )
    assert request.method == "POST"
    assert (request.path, request.query) == ("/pets/.7", {"tags": ["x"]})
    assert request.json() == {"name": "Rex"}


async def test_a_query_parameter_moved_into_the_path_is_sent_once_in_the_path(
    client: httpx.AsyncClient, tool: dict[str, Any], tool_server: FakeToolServer
) -> None:
    patched = await client.patch(
        f"/api/v1/tools/{tool['id']}", json={"path": "/pets/{petId}/tagged/{tags}"}
    )
    assert patched.status_code == 200, patched.text
    request = await call(client, tool_server, tool["id"], {"petId": "7", "tags": ["a", "b"]})
    assert (request.path, request.query) == ("/pets/.7/tagged/a,b", {})
