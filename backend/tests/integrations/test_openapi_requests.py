"""Imported tools send what the document describes: parameter styles, form and multipart
bodies, header and cookie parameters, per-path and per-operation servers. Checked against the
loopback echo server (tests/fakes/http_tool_server.py)."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from tests.fakes.http_tool_server import FakeToolServer, RecordedRequest

pytestmark = pytest.mark.usefixtures("local_egress")


def document(paths: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {
        "openapi": "3.0.3",
        "info": {"title": "Echo", "version": "1"},
        "paths": paths,
        **extra,
    }


def ok(operation: dict[str, Any]) -> dict[str, Any]:
    return {**operation, "responses": {"200": {"description": "ok"}}}


async def import_tools(
    client: httpx.AsyncClient,
    agent: dict[str, Any],
    spec: dict[str, Any],
    **body: Any,
) -> dict[str, str]:
    response = await client.post(
        f"/api/v1/agents/{agent['id']}/integrations/import-openapi",
        json={"spec": json.dumps(spec), **body},
    )
    assert response.status_code == 201, response.text
    return {t["name"]: t["id"] for t in response.json()["tools"]}


async def call(
    client: httpx.AsyncClient, server: FakeToolServer, tool_id: str, arguments: dict[str, Any]
) -> RecordedRequest:
    before = len(server.requests)
    response = await client.post(f"/api/v1/tools/{tool_id}/test", json={"arguments": arguments})
    assert response.status_code == 200, response.text
    assert response.json()["ok"], response.json()
    assert len(server.requests) == before + 1
    return server.requests[-1]


def raw_query(request: RecordedRequest) -> str:
    # The echo server parses the query; rebuild the raw form from its recorded URL instead.
    return request.echo()["path"]


async def test_query_parameters_follow_style_and_explode(
    client: httpx.AsyncClient, agent: dict[str, Any], tool_server: FakeToolServer
) -> None:
    array = {"type": "array", "items": {"type": "string"}}
    spec = document(
        {
            "/search": {
                "get": ok(
                    {
                        "operationId": "search",
                        "parameters": [
                            {"name": "tags", "in": "query", "schema": array},
                            {"name": "ids", "in": "query", "explode": False, "schema": array},
                            {
                                "name": "pipes",
                                "in": "query",
                                "style": "pipeDelimited",
                                "schema": array,
                            },
                            {
                                "name": "spaces",
                                "in": "query",
                                "style": "spaceDelimited",
                                "schema": array,
                            },
                            {
                                "name": "filter",
                                "in": "query",
                                "style": "deepObject",
                                "explode": True,
                                "schema": {"type": "object"},
                            },
                            {"name": "flag", "in": "query", "schema": {"type": "boolean"}},
                        ],
                    }
                )
            }
        }
    )
    tools = await import_tools(client, agent, spec, base_url=tool_server.url)
    request = await call(
        client,
        tool_server,
        tools["search"],
        {
            "tags": ["a", "b"],
            "ids": ["1", "2"],
            "pipes": ["x", "y"],
            "spaces": ["p", "q"],
            "filter": {"name": "rex", "owner": {"id": 7}},
            "flag": True,
        },
    )
    assert request.query["tags"] == ["a", "b"]  # tags=a&tags=b, never JSON
    assert request.query["ids"] == ["1,2"]
    assert request.query["pipes"] == ["x|y"]
    assert request.query["spaces"] == ["p q"]
    assert request.query["filter[name]"] == ["rex"]
    assert request.query["filter[owner][id]"] == ["7"]
    assert request.query["flag"] == ["true"]


async def test_path_styles_headers_cookies_and_fixed_headers(
    client: httpx.AsyncClient, agent: dict[str, Any], tool_server: FakeToolServer
) -> None:
    spec = document(
        {
            "/items/{id}/{label}/{matrix}": {
                "get": ok(
                    {
                        "operationId": "getItem",
                        "parameters": [
                            {
                                "name": "id",
                                "in": "path",
                                "required": True,
                                "schema": {"type": "array"},
                            },
                            {
                                "name": "label",
                                "in": "path",
                                "required": True,
                                "style": "label",
                                "schema": {"type": "string"},
                            },
                            {
                                "name": "matrix",
                                "in": "path",
                                "required": True,
                                "style": "matrix",
                                "explode": True,
                                "schema": {"type": "array", "items": {"type": "string"}},
                            },
                            {
                                "name": "X-Request-Id",
                                "in": "header",
                                "required": True,
                                "schema": {"type": "string"},
                            },
                            {
                                "name": "Api-Version",
                                "in": "header",
                                "required": True,
                                "schema": {"type": "string", "enum": ["2024-01-01"]},
                            },
                            {"name": "session", "in": "cookie", "schema": {"type": "string"}},
                            {"name": "theme", "in": "cookie", "schema": {"type": "string"}},
                        ],
                    }
                )
            }
        }
    )
    response = await client.post(
        f"/api/v1/agents/{agent['id']}/integrations/import-openapi",
        json={"spec": json.dumps(spec), "base_url": tool_server.url},
    )
    assert response.status_code == 201, response.text
    tool = response.json()["tools"][0]
    # A required header is an input; one with a single allowed value is sent as is.
    assert "X-Request-Id" in tool["input_schema"]["required"]
    assert "Api-Version" not in tool["input_schema"]["properties"]
    request = await call(
        client,
        tool_server,
        tool["id"],
        {
            "id": [1, 2],
            "label": "big",
            "matrix": ["a", "b"],
            "X-Request-Id": "req-1",
            "session": "s1",
            "theme": "dark",
        },
    )
    assert request.path == "/items/1,2/.big/;matrix=a;matrix=b"
    assert request.header("X-Request-Id") == "req-1"
    assert request.header("Api-Version") == "2024-01-01"
    assert request.header("Cookie") == "session=s1; theme=dark"

    refused = await client.post(f"/api/v1/tools/{tool['id']}/test", json={"arguments": {}})
    assert refused.status_code == 422
    assert "required" in refused.json()["error"]["message"]


async def test_form_urlencoded_body_with_nested_keys_like_stripe(
    client: httpx.AsyncClient, agent: dict[str, Any], tool_server: FakeToolServer
) -> None:
    form = {
        "type": "object",
        "properties": {
            "email": {"type": "string"},
            "metadata": {"type": "object", "additionalProperties": {"type": "string"}},
            "items": {
                "type": "array",
                "items": {"type": "object", "properties": {"price": {"type": "string"}}},
            },
            "expand": {"type": "array", "items": {"type": "string"}},
        },
    }
    spec = document(
        {
            "/v1/customers": {
                "post": ok(
                    {
                        "operationId": "PostCustomers",
                        "requestBody": {
                            "content": {
                                "application/x-www-form-urlencoded": {
                                    "schema": form,
                                    "encoding": {
                                        "metadata": {"style": "deepObject", "explode": True},
                                        "expand": {"style": "deepObject", "explode": True},
                                    },
                                }
                            }
                        },
                    }
                )
            }
        }
    )
    tools = await import_tools(client, agent, spec, base_url=tool_server.url)
    request = await call(
        client,
        tool_server,
        tools["PostCustomers"],
        {
            "body": {
                "email": "a b@example.com",
                "metadata": {"plan": "pro"},
                "items": [{"price": "p_1"}, {"price": "p_2"}],
                "expand": ["customer", "invoice"],
            }
        },
    )
    assert request.header("Content-Type") == "application/x-www-form-urlencoded"
    from urllib.parse import parse_qsl

    assert parse_qsl(request.body.decode()) == [
        ("email", "a b@example.com"),
        ("metadata[plan]", "pro"),
        ("items[0][price]", "p_1"),
        ("items[1][price]", "p_2"),
        ("expand[0]", "customer"),
        ("expand[1]", "invoice"),
    ]


async def test_multipart_body_with_a_file_part(
    client: httpx.AsyncClient, agent: dict[str, Any], tool_server: FakeToolServer
) -> None:
    spec = document(
        {
            "/upload": {
                "post": ok(
                    {
                        "operationId": "upload",
                        "requestBody": {
                            "required": True,
                            "content": {
                                "multipart/form-data": {
                                    "schema": {
                                        "type": "object",
                                        "properties": {
                                            "title": {"type": "string"},
                                            "file": {"type": "string", "format": "binary"},
                                        },
                                    }
                                }
                            },
                        },
                    }
                )
            }
        }
    )
    tools = await import_tools(client, agent, spec, base_url=tool_server.url)
    request = await call(
        client, tool_server, tools["upload"], {"body": {"title": "Notes", "file": "hello"}}
    )
    content_type = request.header("Content-Type") or ""
    assert content_type.startswith("multipart/form-data; boundary=")
    # Parse it back the way a server would.
    from email.parser import BytesParser
    from email.policy import HTTP

    message = BytesParser(policy=HTTP).parsebytes(
        f"Content-Type: {content_type}\r\n\r\n".encode() + request.body
    )
    parts = {p.get_param("name", header="content-disposition"): p for p in message.iter_parts()}
    assert parts["title"].get_content() == "Notes"
    assert parts["file"].get_filename() == "file"
    assert parts["file"].get_content() == b"hello"


async def test_path_and_operation_servers_with_variables(
    client: httpx.AsyncClient,
    agent: dict[str, Any],
    tool_server: FakeToolServer,
    second_server: FakeToolServer,
) -> None:
    spec = document(
        {
            "/a": {"get": ok({"operationId": "rootServer"})},
            "/b": {
                "servers": [
                    {
                        "url": "http://127.0.0.1:{port}/{area}",
                        "variables": {
                            "port": {"default": "1"},
                            "area": {"default": "eu", "enum": ["eu", "us"]},
                        },
                    }
                ],
                "get": ok({"operationId": "pathServer"}),
            },
            "/c": {
                "get": ok(
                    {
                        "operationId": "operationServer",
                        "servers": [{"url": f"{second_server.url}/ops"}],
                    }
                )
            },
        },
        servers=[
            {
                "url": "{scheme}://127.0.0.1:{port}/root",
                "variables": {"scheme": {"default": "http"}, "port": {"default": "1"}},
            }
        ],
    )
    response = await client.post(
        f"/api/v1/agents/{agent['id']}/integrations/import-openapi",
        json={
            "spec": json.dumps(spec),
            "server_variables": {"port": str(tool_server.port), "area": "us"},
        },
    )
    assert response.status_code == 201, response.text
    result = response.json()
    assert result["integration"]["base_url"] == f"{tool_server.url}/root"
    assert result["servers"][0]["variables"]["port"] == {
        "default": "1",
        "enum": None,
        "description": None,
    }
    tools = {t["name"]: t["id"] for t in result["tools"]}
    assert (await call(client, tool_server, tools["rootServer"], {})).path == "/root/a"
    assert (await call(client, tool_server, tools["pathServer"], {})).path == "/us/b"
    assert (await call(client, second_server, tools["operationServer"], {})).path == "/ops/c"


async def test_a_hand_made_tool_keeps_the_old_mapping(
    client: httpx.AsyncClient, agent: dict[str, Any], tool_server: FakeToolServer
) -> None:
    created = await client.post(
        f"/api/v1/agents/{agent['id']}/integrations",
        json={"name": "Manual", "base_url": tool_server.url},
    )
    iid = created.json()["id"]
    tool = await client.post(
        f"/api/v1/integrations/{iid}/tools",
        json={"name": "find", "method": "GET", "path": "/find/{id}"},
    )
    request = await call(client, tool_server, tool.json()["id"], {"id": "7", "q": ["a", "b"]})
    assert request.path == "/find/7"
    assert request.query == {"q": ['["a","b"]']}
