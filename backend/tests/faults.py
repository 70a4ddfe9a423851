"""Deterministic database and Redis outages for tests, without touching the shared servers.

`database_down(engine, calls=N)` makes the next N statements on `engine` fail the way a lost
PostgreSQL connection or an unreadable SQLite file does: the driver's own OperationalError,
raised inside SQLAlchemy's execute, so it is wrapped exactly as a real outage is.
`fake_redis()` is a loopback TCP server that accepts connections and, while frozen, never
answers (a SIGSTOPped Redis); `refused_port()` is a loopback port nobody listens on.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
from collections.abc import AsyncIterator, Iterator
from typing import Any

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine


class DatabaseFault:
    """Counts the statements it failed; `calls=None` fails every statement until cleared."""

    def __init__(self, engine: AsyncEngine, calls: int | None) -> None:
        self._error = engine.dialect.loaded_dbapi.OperationalError
        self.remaining = calls
        self.failed = 0
        self.active = True

    def __call__(self, conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if not self.active or self.remaining == 0:
            return
        if self.remaining is not None:
            self.remaining -= 1
        self.failed += 1
        raise self._error("unable to open database file: server closed the connection")

    def clear(self) -> None:
        self.active = False


@contextlib.contextmanager
def database_down(engine: AsyncEngine, *, calls: int | None = None) -> Iterator[DatabaseFault]:
    fault = DatabaseFault(engine, calls)
    event.listen(engine.sync_engine, "before_cursor_execute", fault)
    try:
        yield fault
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", fault)


class FakeRedis:
    """A loopback server speaking just enough RESP: while `frozen` it accepts connections and
    never answers (a SIGSTOPped Redis); otherwise every command gets +PONG."""

    def __init__(self) -> None:
        self.frozen = True
        self.connections = 0
        self.commands = 0
        self.url = ""
        self._writers: list[asyncio.StreamWriter] = []

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        self._writers.append(writer)
        with contextlib.suppress(ConnectionError, asyncio.IncompleteReadError, ValueError):
            while header := await reader.readline():
                # *<n> then n bulk strings ($<len>, data): one command
                for _ in range(int(header[1:]) * 2):
                    await reader.readline()
                self.commands += 1
                if not self.frozen:
                    writer.write(b"+PONG\r\n")
                    await writer.drain()

    def close_connections(self) -> None:
        for writer in self._writers:
            writer.close()
        self._writers.clear()


@contextlib.asynccontextmanager
async def fake_redis() -> AsyncIterator[FakeRedis]:
    fake = FakeRedis()
    server = await asyncio.start_server(fake.handle, "127.0.0.1", 0)
    fake.url = f"redis://127.0.0.1:{server.sockets[0].getsockname()[1]}/0"
    try:
        yield fake
    finally:
        fake.close_connections()
        server.close()
        await server.wait_closed()


def refused_port() -> int:
    """A loopback port with no listener (bound, then released)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port
