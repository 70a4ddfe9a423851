"""Fixtures for the integrations API: an agent, local servers, an egress guard that may reach
127.0.0.1 (the suite's app allows no private host)."""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from tests.tools.conftest import (  # noqa: F401 (fixtures)
    GuardFactory,
    make_guard,
    oauth_server,
    second_server,
    tool_server,
)

AGENT = {"name": "Tool user", "provider": "openai", "model": "gpt-4o-mini"}


@pytest.fixture
async def agent(client: httpx.AsyncClient) -> dict[str, Any]:
    response = await client.post("/api/v1/agents", json=AGENT)
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


@pytest.fixture
async def local_egress(app: FastAPI, make_guard: GuardFactory) -> AsyncIterator[None]:  # noqa: F811
    """Let the app's tools reach servers on 127.0.0.1 for this test."""
    runtime = app.state.tool_runtime
    app.state.tool_runtime = dataclasses.replace(
        runtime, egress=make_guard(allow=["127.0.0.1", "localhost"])
    )
    yield
    app.state.tool_runtime = runtime


def assert_error(response: httpx.Response, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"error"} and body["error"]["code"] == code, body
    assert body["error"]["message"]
    error: dict[str, Any] = body["error"]
    return error
