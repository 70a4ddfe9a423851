"""A hand-made tool's input_schema is checked as a JSON Schema off the event loop (the check of
a schema near the size limit is most of a second of CPU), and refused with the same 422 the
dashboard's tool form shows at the input_schema field."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable
from typing import Any

import httpx
import pytest

from tests.integrations.conftest import assert_error
from tests.integrations.test_integrations_api import TOOL, create_integration, create_tool


def large_schema() -> dict[str, Any]:
    """About 90,000 characters (the limit is 100,000): check_schema takes most of a second."""
    inner = {f"q{j}": {"type": "string", "enum": ["a", "b"], "description": "y"} for j in range(8)}
    properties = {
        f"p{i}": {"type": "object", "description": "x", "properties": inner} for i in range(150)
    }
    return {"type": "object", "properties": properties}


async def busiest_loop_stretch(request: Awaitable[httpx.Response]) -> tuple[float, httpx.Response]:
    """The longest CPU time the event loop's thread ran without yielding while `request` ran.
    (CPU time, not wall-clock: waiting for a core on a loaded machine does not count.)"""
    lags: list[float] = []
    done = asyncio.Event()

    async def ticker() -> None:
        while not done.is_set():
            before = time.thread_time()
            await asyncio.sleep(0.002)
            lags.append(time.thread_time() - before)

    task = asyncio.create_task(ticker())
    response = await request
    done.set()
    await task
    assert lags
    return max(lags), response


async def test_checking_a_large_input_schema_leaves_the_event_loop_free(
    client: httpx.AsyncClient, agent: dict[str, Any]
) -> None:
    integration = await create_integration(client, agent)
    schema = large_schema()
    assert 80_000 < len(repr(schema)) < 100_000

    lag, created = await busiest_loop_stretch(
        client.post(
            f"/api/v1/integrations/{integration['id']}/tools",
            json={**TOOL, "input_schema": schema},
        )
    )
    assert created.status_code == 201, created.text
    # On the loop, the check alone holds it for most of a second; the JSON body is still
    # parsed there (a few ms).
    assert lag < 0.15, f"the event loop ran {lag:.2f} s without yielding"

    broken = {**schema, "required": "p1"}
    lag, refused = await busiest_loop_stretch(
        client.patch(f"/api/v1/tools/{created.json()['id']}", json={"input_schema": broken})
    )
    assert "at required" in assert_error(refused, 422, "validation_error")["message"]
    assert lag < 0.15, f"the event loop ran {lag:.2f} s without yielding"


@pytest.mark.parametrize("method", ["post", "patch"])
async def test_a_refused_schema_keeps_the_field_error_the_form_shows(
    client: httpx.AsyncClient, agent: dict[str, Any], method: str
) -> None:
    integration = await create_integration(client, agent)
    if method == "post":
        response = await client.post(
            f"/api/v1/integrations/{integration['id']}/tools",
            json={**TOOL, "name": "other", "input_schema": {"type": "nonsense"}},
        )
    else:
        tool = await create_tool(client, integration)
        response = await client.patch(
            f"/api/v1/tools/{tool['id']}", json={"input_schema": {"type": "nonsense"}}
        )
    error = assert_error(response, 422, "validation_error")
    message = "input_schema is not a valid JSON Schema at type: 'nonsense' is not valid"
    assert error["message"].startswith(f"input_schema: Value error, {message}")
    [issue] = error["details"]["errors"]
    assert issue["loc"] == ["body", "input_schema"] and issue["type"] == "value_error"
    assert issue["msg"].startswith(f"Value error, {message}")


async def test_a_valid_schema_is_stored_as_an_object_schema(
    client: httpx.AsyncClient, agent: dict[str, Any]
) -> None:
    integration = await create_integration(client, agent)
    schema = {"properties": {"city": {"type": "string"}}}
    tool = await create_tool(client, integration, input_schema=schema)
    assert tool["input_schema"] == {"type": "object", **schema}
    patched = await client.patch(f"/api/v1/tools/{tool['id']}", json={"input_schema": schema})
    assert patched.status_code == 200 and patched.json()["input_schema"]["type"] == "object"
