"""Fixtures for tool tests: real local HTTP servers, guard factories (the canary listener is in
tests/canary.py, its fixture in tests/conftest.py)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterable, Iterator
from typing import Any

import httpcore
import pytest

from app.config import Settings
from app.tools.egress import EgressGuard, Resolver
from tests.fakes.http_tool_server import FakeToolServer
from tests.fakes.oauth_server import FakeOAuthServer


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
