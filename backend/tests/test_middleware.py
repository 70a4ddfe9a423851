"""The body-size limit counts streamed bytes; a 500 keeps the connection and logs no data."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator

import h11
import httpx
import pytest
from asgi_lifespan import LifespanManager
from fastapi import FastAPI
from sqlalchemy import text

from app.config import Settings
from app.database import SessionDep
from app.main import create_app
from tests.playground.conftest import serve

LIMIT = 2 * 1024 * 1024
CHUNK = 256 * 1024
SECRET = "sk-canary-" + "7" * 24


class Upload:
    """A chunked request body of `total` bytes that records how much was pulled from it."""

    def __init__(self, total: int) -> None:
        self.total = total
        self.pulled = 0

    async def __aiter__(self) -> AsyncIterator[bytes]:
        while self.pulled < self.total:
            self.pulled += CHUNK
            yield b"x" * CHUNK


@pytest.mark.parametrize("content_type", ["application/json", "text/plain"])
async def test_a_chunked_body_over_the_limit_stops_at_the_limit_with_413(
    client: httpx.AsyncClient, content_type: str
) -> None:
    upload = Upload(50 * 1024 * 1024)
    response = await client.post(
        "/api/v1/agents", content=upload, headers={"content-type": content_type}
    )
    assert response.status_code == 413, response.text
    error = response.json()["error"]
    assert error["code"] == "payload_too_large"
    assert error["message"] == f"Request body is over {LIMIT} bytes"
    assert response.request.headers["transfer-encoding"] == "chunked"  # no Content-Length
    assert upload.pulled <= LIMIT + CHUNK  # read up to the limit, not the 50 MB
    assert (await client.get("/api/v1/agents")).json()["total"] == 0


async def test_a_declared_length_over_the_limit_is_refused_unread(
    client: httpx.AsyncClient,
) -> None:
    response = await client.post(
        "/api/v1/agents",
        content=b"{" + b" " * LIMIT + b"}",
        headers={"content-type": "application/json"},
    )
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "payload_too_large"


async def test_a_chunked_body_under_the_limit_is_read_whole(client: httpx.AsyncClient) -> None:
    async def body() -> AsyncIterator[bytes]:
        yield b'{"name": "Chunked", '
        yield b'"provider": "openai", "model": "gpt-4o-mini"}'

    response = await client.post(
        "/api/v1/agents", content=body(), headers={"content-type": "application/json"}
    )
    assert response.status_code == 201, response.text
    assert response.json()["name"] == "Chunked"


# -- a bug's 500 ------------------------------------------------------------------------------


@pytest.fixture
async def buggy_server(settings: Settings) -> AsyncIterator[str]:
    """The real app plus two routes with bugs whose exceptions carry a secret, on uvicorn."""
    app: FastAPI = create_app(settings)

    @app.get("/bug/python")
    async def python_bug() -> None:
        raise RuntimeError(f"could not use {SECRET}")

    @app.get("/bug/sql")
    async def sql_bug(session: SessionDep) -> None:
        await session.execute(text("INSERT INTO no_such_table (v) VALUES (:v)"), {"v": SECRET})

    async with LifespanManager(app), serve(app) as url:
        yield url.replace("ws://", "")


async def exchange(
    reader: asyncio.StreamReader, writer: asyncio.StreamWriter, conn: h11.Connection, path: str
) -> tuple[int, bytes]:
    """One request/response on an open HTTP/1.1 connection; raises if the server closed it."""
    if conn.our_state is h11.DONE:
        conn.start_next_cycle()
    request = h11.Request(method="GET", target=path, headers=[("Host", "test")])
    writer.write(conn.send(request) + conn.send(h11.EndOfMessage()))
    await writer.drain()
    status, body = 0, b""
    while True:
        event = conn.next_event()
        if event is h11.NEED_DATA:
            conn.receive_data(await reader.read(65536))
        elif isinstance(event, h11.Response):
            status = event.status_code
        elif isinstance(event, h11.Data):
            body += event.data
        elif isinstance(event, h11.EndOfMessage):
            return status, body
        elif isinstance(event, h11.ConnectionClosed):
            raise ConnectionError("the server closed the connection")


@pytest.mark.parametrize("path", ["/bug/python", "/bug/sql"])
async def test_a_500_keeps_the_connection_and_logs_no_request_data(
    buggy_server: str, caplog: pytest.LogCaptureFixture, path: str
) -> None:
    host, port = buggy_server.split(":")
    reader, writer = await asyncio.open_connection(host, int(port))
    conn = h11.Connection(our_role=h11.CLIENT)
    try:
        with caplog.at_level(logging.INFO):
            status, body = await exchange(reader, writer, conn, path)
            assert status == 500
            assert b'"internal_error"' in body and SECRET.encode() not in body
            # Same connection, next request: keep-alive survived the 500.
            status, body = await exchange(reader, writer, conn, "/health")
            assert status == 200, body
    finally:
        writer.close()
    logged = caplog.text
    assert f"unhandled on GET {path}" in logged
    assert SECRET not in logged
    assert "Exception in ASGI application" not in logged
    if path == "/bug/sql":
        assert "INSERT INTO no_such_table (v) VALUES" in logged  # the statement, no values
