"""Deterministic database and Redis outages for tests, without touching the shared servers.

`database_down(engine, calls=N)` makes the next N statements on `engine` fail the way a lost
PostgreSQL connection or an unreadable SQLite file does: the driver's own OperationalError,
raised inside SQLAlchemy's execute, so it is wrapped exactly as a real outage is.
`silent_server()` is a loopback TCP server that accepts connections and never answers (a frozen
Redis); `refused_port()` is a loopback port nobody listens on.
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


@contextlib.asynccontextmanager
async def silent_server() -> AsyncIterator[tuple[str, list[asyncio.StreamWriter]]]:
    """A loopback port that accepts and never says a word; yields (redis URL, accepted
    connections so far)."""
    accepted: list[asyncio.StreamWriter] = []

    async def hold(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        accepted.append(writer)

    server = await asyncio.start_server(hold, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        yield f"redis://127.0.0.1:{port}/0", accepted
    finally:
        for writer in accepted:
            writer.close()
        server.close()
        await server.wait_closed()


def refused_port() -> int:
    """A loopback port with no listener (bound, then released)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port
