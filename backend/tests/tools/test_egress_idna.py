"""Internationalised domain names through the egress guard.

A host that is not valid IDNA (`xn--zz.example`) is refused as an invalid URL wherever it
enters: a tool's URL, a redirect's Location, an imported spec's servers; never a 500. A valid
internationalised name works: it is resolved, allowlisted and pinned by its ASCII (punycode)
form, which is what the connection uses. Names resolve through an injected table only.
"""

from __future__ import annotations

import dataclasses
import json
import uuid
from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import func, select

from app.integrations.models import Integration, Tool
from app.tools.egress import EgressBlocked
from tests.fakes.http_tool_server import FakeToolServer, json_reply
from tests.integrations.conftest import (
    agent,  # noqa: F401 (fixture)
    assert_error,
)
from tests.tools.conftest import GuardFactory, fake_resolver

INVALID = "xn--zz.example"
IDN = "bücher.example"
IDN_ASCII = "xn--bcher-kva.example"
TOOLS = "/api/v1/tools"


def echo_host(request: Any) -> tuple[int, dict[str, str], bytes]:
    return json_reply(200, {"host": request.header("Host")})


# -- the guard ---------------------------------------------------------------------------------


async def test_an_idna_invalid_host_is_an_invalid_url_not_a_crash(
    make_guard: GuardFactory,
) -> None:
    guard = make_guard(allow=[INVALID])
    for call in (
        lambda: guard.check_url(f"https://{INVALID}/v1"),
        lambda: guard.request("GET", f"https://{INVALID}/v1"),
        lambda: guard.request("POST", f"http://{INVALID}:8080/x", json={"a": 1}),
    ):
        with pytest.raises(EgressBlocked) as refused:
            await call()
        assert refused.value.details["reason"] == "invalid_url"


async def test_a_redirect_to_an_idna_invalid_host_is_refused(
    make_guard: GuardFactory, tool_server: FakeToolServer
) -> None:
    tool_server.route("GET", "/away", lambda r: (302, {"Location": f"http://{INVALID}/"}, b""))
    guard = make_guard(allow=["127.0.0.1"])
    with pytest.raises(EgressBlocked) as refused:
        await guard.request("GET", f"{tool_server.url}/away")
    assert refused.value.details["reason"] == "invalid_url"
    assert [r.path for r in tool_server.requests] == ["/away"]


@pytest.mark.parametrize("allowed", [IDN, IDN_ASCII])
async def test_an_internationalised_host_on_the_allowlist_connects_to_its_checked_address(
    make_guard: GuardFactory, tool_server: FakeToolServer, allowed: str
) -> None:
    tool_server.route("GET", "/books", echo_host)
    guard = make_guard(allow=[allowed], resolver=fake_resolver({IDN_ASCII: ["127.0.0.1"]}))
    response = await guard.request("GET", f"http://{IDN}:{tool_server.port}/books")
    assert response.status_code == 200, response.text()
    assert json.loads(response.body)["host"] == f"{IDN_ASCII}:{tool_server.port}"


async def test_an_internationalised_host_off_the_allowlist_is_refused_by_its_address(
    make_guard: GuardFactory,
) -> None:
    guard = make_guard(resolver=fake_resolver({IDN_ASCII: ["127.0.0.1"]}))
    with pytest.raises(EgressBlocked) as refused:
        await guard.request("GET", f"http://{IDN}:9/books")
    assert refused.value.details["address"] == "127.0.0.1"


# -- through the API: the tool test endpoint and the OpenAPI import -----------------------------


@pytest.fixture
def tool_egress(app: FastAPI, make_guard: GuardFactory) -> AsyncIterator[Callable[..., None]]:
    """use(allow, table): the app's tools go through a guard with this allowlist and names."""
    runtime = app.state.tool_runtime

    def use(allow: list[str], table: dict[str, list[str]]) -> None:
        guard = make_guard(allow=allow, resolver=fake_resolver(table))
        app.state.tool_runtime = dataclasses.replace(runtime, egress=guard)

    yield use  # type: ignore[misc]
    app.state.tool_runtime = runtime


async def stored_tool(app: FastAPI, agent_id: str, base_url: str, path: str) -> uuid.UUID:
    """A tool as it may be stored by an older version (the API refuses this base URL now)."""
    async with app.state.sessionmaker() as session:
        integration = Integration(
            agent_id=uuid.UUID(agent_id),
            kind="custom_api",
            name="Books",
            base_url=base_url,
            auth_type="none",
            auth_config={},
            enabled=True,
        )
        session.add(integration)
        await session.flush()
        tool = Tool(
            integration_id=integration.id,
            agent_id=integration.agent_id,
            name="books",
            description="Books",
            method="GET",
            path=path,
            input_schema={"type": "object"},
            timeout_s=5,
        )
        session.add(tool)
        await session.commit()
        return tool.id


async def test_testing_a_tool_on_an_idna_invalid_host_is_a_4xx(
    app: FastAPI,
    client: httpx.AsyncClient,
    agent: dict[str, Any],  # noqa: F811
    tool_egress: Callable[..., None],
) -> None:
    tool_egress([INVALID], {})
    tool_id = await stored_tool(app, agent["id"], f"https://{INVALID}", "/books")
    response = await client.post(f"{TOOLS}/{tool_id}/test", json={"arguments": {}})
    assert assert_error(response, 400, "egress_blocked")["details"]["reason"] == "invalid_url"


async def test_testing_a_tool_redirected_to_an_idna_invalid_host_is_a_4xx(
    client: httpx.AsyncClient,
    agent: dict[str, Any],  # noqa: F811
    tool_server: FakeToolServer,
    tool_egress: Callable[..., None],
) -> None:
    tool_egress(["127.0.0.1"], {})
    tool_server.route("GET", "/books", lambda r: (307, {"Location": f"https://{INVALID}/"}, b""))
    integration = await client.post(
        f"/api/v1/agents/{agent['id']}/integrations",
        json={"name": "Books", "base_url": tool_server.url, "auth_type": "none"},
    )
    assert integration.status_code == 201, integration.text
    tool = await client.post(
        f"/api/v1/integrations/{integration.json()['id']}/tools",
        json={"name": "books", "method": "GET", "path": "/books"},
    )
    assert tool.status_code == 201, tool.text
    response = await client.post(f"{TOOLS}/{tool.json()['id']}/test", json={"arguments": {}})
    assert assert_error(response, 400, "egress_blocked")["details"]["reason"] == "invalid_url"


async def test_a_tool_on_an_internationalised_host_works(
    client: httpx.AsyncClient,
    agent: dict[str, Any],  # noqa: F811
    tool_server: FakeToolServer,
    tool_egress: Callable[..., None],
) -> None:
    tool_egress([IDN], {IDN_ASCII: ["127.0.0.1"]})
    tool_server.route("GET", "/books", echo_host)
    integration = await client.post(
        f"/api/v1/agents/{agent['id']}/integrations",
        json={
            "name": "Books",
            "base_url": f"http://{IDN}:{tool_server.port}",
            "auth_type": "none",
        },
    )
    assert integration.status_code == 201, integration.text
    tool = await client.post(
        f"/api/v1/integrations/{integration.json()['id']}/tools",
        json={"name": "books", "method": "GET", "path": "/books"},
    )
    assert tool.status_code == 201, tool.text
    response = await client.post(f"{TOOLS}/{tool.json()['id']}/test", json={"arguments": {}})
    assert response.status_code == 200, response.text
    result = response.json()
    assert result["ok"] and result["status_code"] == 200, result
    assert json.loads(result["body"])["host"] == f"{IDN_ASCII}:{tool_server.port}"


def spec(
    servers: list[dict[str, str]], operation_servers: list[dict[str, str]] | None = None
) -> str:
    operation: dict[str, Any] = {
        "operationId": "listBooks",
        "responses": {"200": {"description": "ok"}},
    }
    if operation_servers is not None:
        operation["servers"] = operation_servers
    return json.dumps(
        {
            "openapi": "3.0.3",
            "info": {"title": "Books", "version": "1"},
            "servers": servers,
            "paths": {"/books": {"get": operation}},
        }
    )


@pytest.mark.parametrize(
    ("servers", "operation_servers"),
    [
        ([{"url": f"https://{INVALID}/v1"}], None),
        ([{"url": "https://books.example/v1"}], [{"url": f"https://{INVALID}/v2"}]),
    ],
)
async def test_importing_a_spec_whose_server_is_idna_invalid_is_a_422(
    app: FastAPI,
    client: httpx.AsyncClient,
    agent: dict[str, Any],  # noqa: F811
    servers: list[dict[str, str]],
    operation_servers: list[dict[str, str]] | None,
) -> None:
    response = await client.post(
        f"/api/v1/agents/{agent['id']}/integrations/import-openapi",
        json={"spec": spec(servers, operation_servers)},
    )
    error = assert_error(response, 422, "validation_error")
    assert INVALID in error["message"]
    async with app.state.sessionmaker() as session:
        assert await session.scalar(select(func.count()).select_from(Integration)) == 0
