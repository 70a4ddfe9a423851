"""Fixtures for tool tests: real local HTTP servers, a canary listener, guard factories."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Iterable, Iterator
from typing import Any

import httpcore
import pytest

from app.config import Settings
from app.tools.egress import EgressGuard, Resolver
from tests.fakes.http_tool_server import FakeToolServer
from tests.fakes.oauth_server import FakeOAuthServer


class Canary:
    """A listener on 127.0.0.1 that is never on the allowlist: it must see no connection."""

    def __init__(self) -> None:
        self.connections = 0
        self.server: asyncio.Server | None = None

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        writer.close()

    async def start(self) -> Canary:
        self.server = await asyncio.start_server(self._accept, "127.0.0.1", 0)
        return self

    @property
    def port(self) -> int:
        assert self.server is not None
        return int(self.server.sockets[0].getsockname()[1])

    async def close(self) -> None:
        assert self.server is not None
        self.server.close()
        await self.server.wait_closed()


class RecordingBackend(httpcore.AsyncNetworkBackend):
    """The real network backend, recording every address it is asked to connect to."""

    def __init__(self) -> None:
        self.inner = httpcore.AnyIOBackend()
        self.connects: list[tuple[str, int]] = []

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        self.connects.append((host, port))
        return await self.inner.connect_tcp(host, port, timeout, local_address, socket_options)

    async def connect_unix_socket(
        self, path: str, timeout: float | None = None, socket_options: Iterable[Any] | None = None
    ) -> httpcore.AsyncNetworkStream:
        raise AssertionError("unix socket connect attempted")

    async def sleep(self, seconds: float) -> None:
        await self.inner.sleep(seconds)


def fake_resolver(table: dict[str, list[str]]) -> Resolver:
    """Names resolve from `table` only: no real DNS query ever leaves the machine."""

    async def resolve(host: str, port: int) -> list[str]:
        if host not in table:
            raise OSError(f"unknown test host {host}")
        return table[host]

    return resolve


GuardFactory = Callable[..., EgressGuard]


@pytest.fixture
async def make_guard() -> AsyncIterator[GuardFactory]:
    guards: list[EgressGuard] = []

    def make(
        allow: Iterable[str] = (),
        resolver: Resolver | None = None,
        backend: httpcore.AsyncNetworkBackend | None = None,
        **settings: Any,
    ) -> EgressGuard:
        values: dict[str, Any] = {"tool_allowed_private_hosts": ",".join(allow), **settings}
        guard = EgressGuard(
            Settings(_env_file=None, **values),  # type: ignore[call-arg]
            resolver=resolver or fake_resolver({"localhost": ["127.0.0.1"]}),
            network_backend=backend,
        )
        guards.append(guard)
        return guard

    yield make
    for guard in guards:
        await guard.aclose()


@pytest.fixture
async def canary() -> AsyncIterator[Canary]:
    listener = await Canary().start()
    yield listener
    await listener.close()


@pytest.fixture
def tool_server() -> Iterator[FakeToolServer]:
    with FakeToolServer() as server:
        yield server


@pytest.fixture
def second_server() -> Iterator[FakeToolServer]:
    with FakeToolServer() as server:
        yield server


@pytest.fixture
def oauth_server() -> Iterator[FakeOAuthServer]:
    with FakeOAuthServer() as server:
        yield server
