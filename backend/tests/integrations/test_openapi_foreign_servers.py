"""An operation served from another origin than the integration's base_url: with auth, its
calls are refused (credentials never leave their origin), and the import says so up front."""

from __future__ import annotations

import json
from typing import Any

import httpx

from tests.fakes.http_tool_server import FakeToolServer, json_reply
from tests.integrations.conftest import assert_error


def document(base: str, foreign: str, *, security: bool) -> dict[str, Any]:
    ok = {"responses": {"200": {"description": "ok"}}}
    spec: dict[str, Any] = {
        "openapi": "3.0.3",
        "info": {"title": "Files", "version": "1"},
        "servers": [{"url": f"{base}/v1"}],
        "paths": {
            "/files": {"get": {"operationId": "listFiles", **ok}},
            # Same origin, another base path: the credentials may go there.
            "/stats": {"servers": [{"url": f"{base}/v2"}], "get": {"operationId": "stats", **ok}},
            "/upload": {
                "post": {"operationId": "upload", "servers": [{"url": f"{foreign}/up"}], **ok}
            },
        },
    }
    if security:
        spec["components"] = {"securitySchemes": {"token": {"type": "http", "scheme": "bearer"}}}
        spec["security"] = [{"token": []}]
    return spec


def url(agent: dict[str, Any]) -> str:
    return f"/api/v1/agents/{agent['id']}/integrations/import-openapi"


async def test_an_operation_on_another_origin_is_a_warning_when_the_integration_has_auth(
    client: httpx.AsyncClient,
    agent: dict[str, Any],
    tool_server: FakeToolServer,
    second_server: FakeToolServer,
    local_egress: None,
) -> None:
    spec = json.dumps(document(tool_server.url, second_server.url, security=True))
    preview = await client.post(url(agent), json={"spec": spec, "dry_run": True})
    assert preview.status_code == 200, preview.text
    found = [w for w in preview.json()["warnings"] if "will be refused" in w["message"]]
    assert [w["path"] for w in found] == ["/paths/~1upload/post"]
    message = found[0]["message"]
    assert message.startswith(f"POST /upload is served from {second_server.url}, not ")
    assert "separate integration" in message and f"{second_server.url}/up" in message

    # The warning tells the truth: the imported tool's calls are refused before connecting.
    response = await client.post(url(agent), json={"spec": spec, "secrets": {"token": "tk-1"}})
    assert response.status_code == 201, response.text
    assert "will be refused" in json.dumps(response.json()["warnings"])
    upload = next(t for t in response.json()["tools"] if t["name"] == "upload")
    second_server.route("POST", "/up/upload", lambda r: json_reply(200, {}))
    call = await client.post(f"/api/v1/tools/{upload['id']}/test", json={"arguments": {}})
    assert "only sent to" in assert_error(call, 422, "invalid_arguments")["message"]
    assert second_server.requests == []


async def test_no_warning_without_auth_or_with_a_base_url_override(
    client: httpx.AsyncClient,
    agent: dict[str, Any],
    tool_server: FakeToolServer,
    second_server: FakeToolServer,
) -> None:
    open_spec = json.dumps(document(tool_server.url, second_server.url, security=False))
    preview = await client.post(url(agent), json={"spec": open_spec, "dry_run": True})
    assert preview.status_code == 200, preview.text
    assert "will be refused" not in json.dumps(preview.json()["warnings"])

    # A base_url given by the user sends every operation there: nothing goes elsewhere.
    spec = json.dumps(document(tool_server.url, second_server.url, security=True))
    overridden = await client.post(
        url(agent), json={"spec": spec, "dry_run": True, "base_url": tool_server.url}
    )
    assert overridden.status_code == 200, overridden.text
    assert "will be refused" not in json.dumps(overridden.json()["warnings"])
