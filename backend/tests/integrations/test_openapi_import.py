"""OpenAPI import: spec text (JSON or YAML) or URL -> one integration and a tool per operation."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import func, select

from app.integrations.models import Integration, Tool
from tests.canary import Canary
from tests.fakes.http_tool_server import FakeToolServer, json_reply
from tests.integrations.conftest import assert_error

PETSTORE: dict[str, Any] = {
    "openapi": "3.0.3",
    "info": {"title": "Petstore", "version": "1.0"},
    "servers": [
        {"url": "https://pets.example/{version}", "variables": {"version": {"default": "v2"}}}
    ],
    "security": [{"apiKeyAuth": []}],
    "components": {
        "securitySchemes": {"apiKeyAuth": {"type": "apiKey", "in": "header", "name": "X-Pet-Key"}},
        "schemas": {
            "Pet": {
                "type": "object",
                "properties": {"name": {"type": "string"}, "tag": {"type": "string"}},
                "required": ["name"],
            }
        },
        "parameters": {"Limit": {"name": "limit", "in": "query", "schema": {"type": "integer"}}},
    },
    "paths": {
        "/pets": {
            "get": {
                "operationId": "listPets",
                "summary": "List pets",
                "parameters": [
                    {"$ref": "#/components/parameters/Limit"},
                    {"name": "X-Trace", "in": "header", "schema": {"type": "string"}},
                ],
                "responses": {"200": {"description": "ok"}},
            },
            "post": {
                "summary": "Create a pet",
                "requestBody": {
                    "required": True,
                    "content": {
                        "application/json": {"schema": {"$ref": "#/components/schemas/Pet"}}
                    },
                },
                "responses": {"201": {"description": "created"}},
            },
        },
        "/pets/{petId}": {
            "parameters": [
                {"name": "petId", "in": "path", "required": True, "schema": {"type": "string"}}
            ],
            "get": {
                "operationId": "show pet.by-id",
                "responses": {"200": {"description": "ok"}},
            },
        },
    },
}

YAML_SPEC = """
openapi: 3.1.0
info: {title: Todo API, version: "1"}
servers: [{url: /api}]
components:
  securitySchemes:
    bearerAuth: {type: http, scheme: bearer}
security: [{bearerAuth: []}]
paths:
  /todos/{id}:
    delete:
      operationId: deleteTodo
      parameters:
        - {name: id, in: path, required: true, schema: {type: integer}}
      responses: {"204": {description: gone}}
"""


def url(agent: dict[str, Any]) -> str:
    return f"/api/v1/agents/{agent['id']}/integrations/import-openapi"


async def counts(app: FastAPI) -> tuple[int, int]:
    async with app.state.sessionmaker() as session:
        integrations = await session.scalar(select(func.count()).select_from(Integration))
        tools = await session.scalar(select(func.count()).select_from(Tool))
    return integrations or 0, tools or 0


async def test_dry_run_previews_without_writing_then_import_creates_everything(
    app: FastAPI, client: httpx.AsyncClient, agent: dict[str, Any]
) -> None:
    body = {"spec": json.dumps(PETSTORE), "secrets": {"api_key": "pet-key-SECRET-1234"}}
    preview = await client.post(url(agent), json={**body, "dry_run": True})
    assert preview.status_code == 200, preview.text
    result = preview.json()
    assert result["dry_run"] is True and result["integration"]["id"] is None
    assert await counts(app) == (0, 0)

    integration = result["integration"]
    assert integration["name"] == "Petstore"
    assert integration["base_url"] == "https://pets.example/v2"
    assert integration["auth_type"] == "api_key"
    assert integration["auth_config"] == {"location": "header", "name": "X-Pet-Key"}
    assert integration["secrets"] == {"api_key": "…1234"}
    tools = {t["name"]: t for t in result["tools"]}
    assert set(tools) == {"listPets", "post_pets", "show_pet_by-id"}
    assert tools["listPets"]["input_schema"]["properties"] == {
        "limit": {"type": "integer"},
        "X-Trace": {"type": "string"},
    }
    assert tools["post_pets"]["input_schema"]["required"] == ["body"]
    assert tools["post_pets"]["input_schema"]["properties"]["body"]["required"] == ["name"]
    assert tools["show_pet_by-id"]["path"] == "/pets/{petId}"
    assert tools["show_pet_by-id"]["input_schema"]["required"] == ["petId"]
    assert result["total_operations"] == 3 and result["max_tools"] == 128
    assert all(op["selected"] for op in result["operations"])
    assert result["servers"] == [
        {
            "url": "https://pets.example/{version}",
            "description": None,
            "variables": {"version": {"default": "v2", "enum": None, "description": None}},
        }
    ]

    created = await client.post(url(agent), json=body)
    assert created.status_code == 201, created.text
    assert created.json()["dry_run"] is False
    iid = created.json()["integration"]["id"]
    assert all(t["id"] for t in created.json()["tools"])
    assert await counts(app) == (1, 3)
    listed = (await client.get(f"/api/v1/integrations/{iid}/tools")).json()
    assert listed["total"] == 3
    public = (await client.get(f"/api/v1/integrations/{iid}")).json()
    assert public["has_openapi_spec"] and public["secrets"] == {"api_key": "…1234"}
    assert "pet-key-SECRET-1234" not in created.text + preview.text

    # Importing again would duplicate tool names: refused, nothing half-created.
    again = await client.post(url(agent), json=body)
    assert_error(again, 409, "conflict:tool_name")
    assert await counts(app) == (1, 3)


async def test_yaml_31_with_bearer_and_a_base_url_override(
    client: httpx.AsyncClient, agent: dict[str, Any]
) -> None:
    response = await client.post(
        url(agent),
        json={"spec": YAML_SPEC, "base_url": "https://todo.example", "name": "Todos"},
    )
    assert response.status_code == 201, response.text
    result = response.json()
    assert result["integration"]["auth_type"] == "bearer"
    assert result["integration"]["missing_secrets"] == ["token"]
    assert result["integration"]["base_url"] == "https://todo.example"
    assert [t["name"] for t in result["tools"]] == ["deleteTodo"]
    assert result["tools"][0]["method"] == "DELETE"


async def test_oauth2_client_credentials_scheme_is_mapped(
    client: httpx.AsyncClient, agent: dict[str, Any]
) -> None:
    spec = {
        **PETSTORE,
        "security": [{"oauth": []}],
        "components": {
            "securitySchemes": {
                "oauth": {
                    "type": "oauth2",
                    "flows": {
                        "clientCredentials": {
                            "tokenUrl": "https://auth.example/token",
                            "scopes": {"pets:read": "read"},
                        }
                    },
                }
            },
            "schemas": PETSTORE["components"]["schemas"],
            "parameters": PETSTORE["components"]["parameters"],
        },
    }
    result = (
        await client.post(url(agent), json={"spec": json.dumps(spec), "dry_run": True})
    ).json()
    assert result["integration"]["auth_type"] == "oauth2"
    assert result["integration"]["auth_config"] == {
        "grant_type": "client_credentials",
        "token_url": "https://auth.example/token",
        "client_id": "",
        "scope": "pets:read",
        "client_auth": "body",
    }
    assert result["integration"]["missing_secrets"] == ["client_secret"]


@pytest.mark.parametrize(
    ("spec", "fragment"),
    [
        ("{not json", "neither valid JSON nor valid YAML"),
        ("- just\n- a list", "must be a JSON or YAML object"),
        (json.dumps({"swagger": "2.0", "info": {}, "paths": {}}), "Swagger 2.0 is not supported"),
        (json.dumps({**PETSTORE, "openapi": "4.0.0"}), "Unsupported OpenAPI version '4.0.0'"),
        (json.dumps({**PETSTORE, "paths": {}}), "no operations"),
        (json.dumps({**PETSTORE, "servers": []}), "no servers: give base_url"),
        (json.dumps({**PETSTORE, "paths": ["/x"]}), "'paths' must be an object (at /paths)"),
        (
            json.dumps(
                {
                    **PETSTORE,
                    "paths": {
                        "/x": {
                            "get": {
                                "parameters": [{"$ref": "https://evil.example/p.json"}],
                                "responses": {"200": {"description": "ok"}},
                            }
                        }
                    },
                }
            ),
            "External $ref",
        ),
    ],
)
async def test_bad_specs_get_a_clear_error_and_create_nothing(
    app: FastAPI, client: httpx.AsyncClient, agent: dict[str, Any], spec: str, fragment: str
) -> None:
    response = await client.post(url(agent), json={"spec": spec})
    error = assert_error(response, 422, "invalid_spec")
    assert fragment in error["message"]
    assert await counts(app) == (0, 0)


async def test_spec_and_url_are_mutually_exclusive(
    client: httpx.AsyncClient, agent: dict[str, Any]
) -> None:
    both = await client.post(url(agent), json={"spec": "{}", "url": "https://x.example/o.json"})
    assert "exactly one of spec or url" in assert_error(both, 422, "validation_error")["message"]
    neither = await client.post(url(agent), json={})
    assert_error(neither, 422, "validation_error")


async def test_import_from_a_url_resolves_a_relative_server_and_the_tools_work(
    client: httpx.AsyncClient,
    agent: dict[str, Any],
    tool_server: FakeToolServer,
    local_egress: None,
) -> None:
    spec = {**PETSTORE, "servers": [{"url": "/v2"}]}
    tool_server.route("GET", "/specs/pets.json", lambda r: json_reply(200, spec))
    tool_server.route(
        "GET",
        "/v2/pets/7",
        lambda r: json_reply(200, {"id": 7, "key_ok": r.header("X-Pet-Key") == "pk-1234567890"}),
    )
    response = await client.post(
        url(agent),
        json={"url": f"{tool_server.url}/specs/pets.json", "secrets": {"api_key": "pk-1234567890"}},
    )
    assert response.status_code == 201, response.text
    assert response.json()["integration"]["base_url"] == f"{tool_server.url}/v2"
    show = next(t for t in response.json()["tools"] if t["name"] == "show_pet_by-id")
    test = await client.post(f"/api/v1/tools/{show['id']}/test", json={"arguments": {"petId": "7"}})
    assert test.status_code == 200, test.text
    assert json.loads(test.json()["body"]) == {"id": 7, "key_ok": True}


async def test_import_from_a_blocked_url_never_connects(
    app: FastAPI, client: httpx.AsyncClient, agent: dict[str, Any], canary: Canary
) -> None:
    response = await client.post(
        url(agent), json={"url": f"http://127.0.0.1:{canary.port}/openapi.json"}
    )
    error = assert_error(response, 400, "egress_blocked")
    assert "TOOL_ALLOWED_PRIVATE_HOSTS" in error["message"]
    assert canary.connections == 0
    assert await counts(app) == (0, 0)


async def test_a_missing_spec_url_is_a_clear_error(
    client: httpx.AsyncClient,
    agent: dict[str, Any],
    tool_server: FakeToolServer,
    local_egress: None,
) -> None:
    tool_server.route("GET", "/gone.json", lambda r: json_reply(404, {"error": "nope"}))
    gone = await client.post(url(agent), json={"url": f"{tool_server.url}/gone.json"})
    assert "HTTP 404" in assert_error(gone, 422, "invalid_spec")["message"]
