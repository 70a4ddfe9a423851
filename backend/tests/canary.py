"""Network test doubles shared by the tool, model and integration tests: a loopback canary that
must see no connection, and network backends that record every connect they are asked for."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from typing import Any

import httpcore
import httpcore2


class Canary:
    """A listener on 127.0.0.1 that is never on the allowlist: it must see no connection."""

    def __init__(self) -> None:
        self.connections = 0
        self.server: asyncio.Server | None = None

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        writer.close()

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> Canary:
        self.server = await asyncio.start_server(self._accept, host, port)
        return self

    @property
    def port(self) -> int:
        assert self.server is not None
        return int(self.server.sockets[0].getsockname()[1])

    async def close(self) -> None:
        assert self.server is not None
        self.server.close()
        await self.server.wait_closed()


async def canary_on(host: str, port: int) -> Canary:
    """A canary on another loopback address (127.0.0.2) and a given port."""
    return await Canary().start(host, port)


class _Recording:
    """A real network backend (`inner`), recording every address it is asked to connect to.

    httpcore (the tool client) and httpcore2 (the model SDKs' transport) have the same backend
    interface but distinct base classes, so each gets a subclass below."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.connects: list[tuple[str, int]] = []

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> Any:
        self.connects.append((host, port))
        return await self.inner.connect_tcp(host, port, timeout, local_address, socket_options)

    async def connect_unix_socket(
        self, path: str, timeout: float | None = None, socket_options: Iterable[Any] | None = None
    ) -> Any:
        raise AssertionError("unix socket connect attempted")

    async def sleep(self, seconds: float) -> None:
        await self.inner.sleep(seconds)


class RecordingBackend(_Recording, httpcore.AsyncNetworkBackend):
    """httpcore's real network backend, recording connects."""

    def __init__(self) -> None:
        super().__init__(httpcore.AnyIOBackend())


class RecordingBackend2(_Recording, httpcore2.AsyncNetworkBackend):
    """httpcore2's real network backend, recording connects."""

    def __init__(self) -> None:
        super().__init__(httpcore2.AnyIOBackend())
