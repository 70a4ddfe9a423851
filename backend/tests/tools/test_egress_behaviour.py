"""Egress guard behaviour against real local servers: redirects, size cap, timeout."""

from __future__ import annotations

import asyncio

import pytest

from app.tools.egress import EgressTimeout, EgressTooManyRedirects
from tests.fakes.http_tool_server import FakeToolServer
from tests.tools.conftest import GuardFactory


async def test_same_origin_redirect_keeps_headers_and_303_turns_post_into_get(
    make_guard: GuardFactory, tool_server: FakeToolServer
) -> None:
    tool_server.route("POST", "/start", lambda r: (303, {"Location": "/done?x=1"}, b""))
    guard = make_guard(allow=["127.0.0.1"])
    response = await guard.request(
        "POST", f"{tool_server.url}/start", json={"a": 1}, headers={"Authorization": "Bearer t"}
    )
    assert response.status_code == 200
    echoed = response.body.decode()
    assert '"method": "GET"' in echoed and "Bearer t" in echoed
    assert [r.path for r in tool_server.requests] == ["/start", "/done"]
    assert response.redirects == [f"{tool_server.url}/start"]


async def test_cross_origin_redirect_drops_credentials(
    make_guard: GuardFactory, tool_server: FakeToolServer, second_server: FakeToolServer
) -> None:
    tool_server.route("GET", "/away", lambda r: (302, {"Location": f"{second_server.url}/x"}, b""))
    guard = make_guard(allow=["127.0.0.1"])
    response = await guard.request(
        "GET",
        f"{tool_server.url}/away",
        headers={"Authorization": "Bearer secret-token", "X-Api-Key": "k-123456"},
    )
    assert response.status_code == 200
    landed = second_server.requests[0]
    assert landed.header("Authorization") is None and landed.header("X-Api-Key") is None
    assert tool_server.requests[0].header("Authorization") == "Bearer secret-token"


async def test_307_keeps_method_and_body(
    make_guard: GuardFactory, tool_server: FakeToolServer
) -> None:
    tool_server.route("PUT", "/old", lambda r: (307, {"Location": "/new"}, b""))
    guard = make_guard(allow=["127.0.0.1"])
    await guard.request("PUT", f"{tool_server.url}/old", json={"keep": True})
    assert tool_server.requests[1].method == "PUT"
    assert tool_server.requests[1].json() == {"keep": True}


async def test_redirect_loops_stop_at_the_limit(
    make_guard: GuardFactory, tool_server: FakeToolServer
) -> None:
    tool_server.route("GET", "/loop", lambda r: (302, {"Location": "/loop"}, b""))
    guard = make_guard(allow=["127.0.0.1"], tool_max_redirects=3)
    with pytest.raises(EgressTooManyRedirects, match="More than 3 redirects"):
        await guard.request("GET", f"{tool_server.url}/loop")
    assert len(tool_server.requests) == 4


async def test_response_size_is_capped(
    make_guard: GuardFactory, tool_server: FakeToolServer
) -> None:
    tool_server.route("GET", "/big", lambda r: (200, {"Content-Type": "text/plain"}, b"x" * 5000))
    guard = make_guard(allow=["127.0.0.1"], tool_max_response_bytes=1000)
    response = await guard.request("GET", f"{tool_server.url}/big")
    assert response.truncated and len(response.body) == 1000
    small = await guard.request("GET", f"{tool_server.url}/big", max_bytes=10_000)
    assert not small.truncated and len(small.body) == 5000


async def test_a_server_that_never_answers_times_out(make_guard: GuardFactory) -> None:
    release = asyncio.Event()

    async def hang(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await release.wait()
        writer.close()

    server = await asyncio.start_server(hang, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    guard = make_guard(allow=["127.0.0.1"])
    try:
        with pytest.raises(EgressTimeout, match=r"did not answer within 0\.2 s"):
            await guard.request("GET", f"http://127.0.0.1:{port}/", timeout_s=0.2)
    finally:
        release.set()
        server.close()
        await server.wait_closed()
