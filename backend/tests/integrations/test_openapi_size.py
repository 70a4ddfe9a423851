"""An OpenAPI spec may be up to OPENAPI_MAX_BYTES whether it is pasted or fetched by URL: the
import route takes bodies that large (JSON-escaped), every other route keeps MAX_REQUEST_BYTES,
and over the limit is a 413 `spec_too_large` that names the setting."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from asgi_lifespan import LifespanManager
from fastapi import FastAPI

from app.config import Settings
from app.main import create_app
from tests.conftest import OWNER_A, make_client, make_settings
from tests.fakes.http_tool_server import FakeToolServer
from tests.integrations.conftest import AGENT, assert_error
from tests.integrations.test_openapi_import import PETSTORE, url

SMALL_LIMIT = 256 * 1024  # OPENAPI_MAX_BYTES of the small app, to keep the documents small
CHUNK = 64 * 1024
# What the import route reads at most: twice the spec limit plus a margin, never less than
# MAX_REQUEST_BYTES (2 MiB here).
ROUTE_LIMIT = 2 * 1024 * 1024


def padded_spec(size: int) -> str:
    """PETSTORE as JSON text of `size` bytes, padded with a description full of quotes and
    newlines: characters that JSON escaping makes longer, as a real document's are."""
    unit = 'A line with "quotes" and a newline.\n'
    bare = json.dumps({**PETSTORE, "info": {**PETSTORE["info"], "description": ""}})
    room = size - len(bare)
    lines = room // len(json.dumps(unit)[1:-1])
    description = unit * lines
    description += "x" * (room - len(json.dumps(description)[1:-1]))
    text = json.dumps({**PETSTORE, "info": {**PETSTORE["info"], "description": description}})
    assert len(text.encode()) == size
    return text


async def test_a_pasted_spec_over_the_general_body_limit_previews(
    client: httpx.AsyncClient, agent: dict[str, Any], settings: Settings
) -> None:
    spec = padded_spec(3 * 1024 * 1024)
    body = json.dumps({"spec": spec, "dry_run": True}).encode()
    assert len(body) > settings.max_request_bytes  # what the general limit would refuse
    assert len(spec.encode()) < settings.openapi_max_bytes
    response = await client.post(
        url(agent), content=body, headers={"content-type": "application/json"}
    )
    assert response.status_code == 200, response.text[:500]
    assert {t["name"] for t in response.json()["tools"]} >= {"listPets", "show_pet_by-id"}


async def test_other_routes_keep_the_general_body_limit(
    client: httpx.AsyncClient, agent: dict[str, Any], settings: Settings
) -> None:
    big = {"name": "Big", "base_url": "https://api.example", "notes": "x" * (3 * 1024 * 1024)}
    for path in (f"/api/v1/agents/{agent['id']}/integrations", "/api/v1/agents"):
        error = assert_error(await client.post(path, json=big), 413, "payload_too_large")
        assert error["message"] == f"Request body is over {settings.max_request_bytes} bytes"


@pytest.fixture
async def small_client(app: FastAPI, settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    """Another instance of the app on the suite's database with OPENAPI_MAX_BYTES = 256 KiB,
    which may fetch specs from 127.0.0.1."""
    small = create_app(
        make_settings(
            settings.resolved_database_url,
            settings.data_dir,
            openapi_max_bytes=SMALL_LIMIT,
            tool_allowed_private_hosts="127.0.0.1",
        )
    )
    async with LifespanManager(small), make_client(small, OWNER_A.api_key) as c:
        yield c


@pytest.fixture
async def small_agent(small_client: httpx.AsyncClient) -> dict[str, Any]:
    response = await small_client.post("/api/v1/agents", json=AGENT)
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


def assert_spec_too_large(response: httpx.Response) -> None:
    error = assert_error(response, 413, "spec_too_large")
    assert "OPENAPI_MAX_BYTES" in error["message"]
    assert f"{SMALL_LIMIT:,} bytes" in error["message"]


async def test_a_pasted_spec_over_the_limit_is_refused_naming_the_setting(
    small_client: httpx.AsyncClient, small_agent: dict[str, Any]
) -> None:
    within = await small_client.post(
        url(small_agent), json={"spec": padded_spec(SMALL_LIMIT - 4096), "dry_run": True}
    )
    assert within.status_code == 200, within.text[:500]
    # Over the spec limit, within what the route reads: the importer refuses it.
    over = padded_spec(SMALL_LIMIT + 4096)
    assert_spec_too_large(await small_client.post(url(small_agent), json={"spec": over}))
    # Far over, past what the route reads: refused from its Content-Length, unread.
    far = padded_spec(12 * SMALL_LIMIT)
    assert_spec_too_large(await small_client.post(url(small_agent), json={"spec": far}))


async def test_a_streamed_spec_far_over_the_limit_stops_at_the_route_limit(
    small_client: httpx.AsyncClient, small_agent: dict[str, Any]
) -> None:
    pulled = 0

    async def upload() -> AsyncIterator[bytes]:
        nonlocal pulled
        yield b'{"spec": "'
        while pulled < 50 * SMALL_LIMIT:
            pulled += CHUNK
            yield b"x" * CHUNK
        yield b'"}'

    response = await small_client.post(
        url(small_agent), content=upload(), headers={"content-type": "application/json"}
    )
    assert_spec_too_large(response)
    assert response.request.headers["transfer-encoding"] == "chunked"
    assert pulled <= ROUTE_LIMIT + CHUNK  # not the 12.5 MB


async def test_a_spec_by_url_over_the_limit_is_refused_the_same_way(
    small_client: httpx.AsyncClient, small_agent: dict[str, Any], tool_server: FakeToolServer
) -> None:
    def serve(text: str) -> Any:
        return lambda r: (200, {"Content-Type": "application/json"}, text.encode())

    tool_server.route("GET", "/small.json", serve(padded_spec(SMALL_LIMIT - 4096)))
    tool_server.route("GET", "/big.json", serve(padded_spec(SMALL_LIMIT + 4096)))
    small = await small_client.post(
        url(small_agent), json={"url": f"{tool_server.url}/small.json", "dry_run": True}
    )
    assert small.status_code == 200, small.text[:500]
    big = await small_client.post(url(small_agent), json={"url": f"{tool_server.url}/big.json"})
    assert_spec_too_large(big)
