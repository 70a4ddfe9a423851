"""The guard reuses a host's DNS answer for EGRESS_DNS_CACHE_S, and still checks it every time.

Nothing here connects anywhere: `check_url` only resolves (through a counting, injected table)
and checks.
"""

from __future__ import annotations

import pytest

from app.config import Settings
from app.tools.egress import DnsCache, EgressBlocked, EgressGuard


class CountingResolver:
    def __init__(self, table: dict[str, list[str]]) -> None:
        self.table = table
        self.calls: list[str] = []

    async def __call__(self, host: str, port: int) -> list[str]:
        self.calls.append(host)
        return list(self.table[host])


def guard_with(settings: Settings, resolver: CountingResolver, ttl_s: float) -> EgressGuard:
    guard = EgressGuard(
        settings.model_copy(update={"tool_allowed_private_hosts": "models.test"}),
        resolver=resolver,
    )
    guard.dns_cache = DnsCache(ttl_s)
    return guard


async def test_an_answer_is_reused_within_its_time(settings: Settings) -> None:
    resolver = CountingResolver({"models.test": ["127.0.0.1"]})
    guard = guard_with(settings, resolver, ttl_s=30)
    for _ in range(3):
        _, address = await guard.check_url("http://models.test:8080/v1/chat/completions")
        assert address == "127.0.0.1"
    assert resolver.calls == ["models.test"]
    await guard.aclose()


async def test_a_cached_answer_is_still_checked_every_time(settings: Settings) -> None:
    # Cached, the loopback answer of a host that is not on the allowlist stays refused.
    resolver = CountingResolver({"rebound.test": ["127.0.0.1"]})
    guard = guard_with(settings, resolver, ttl_s=30)
    for _ in range(2):
        with pytest.raises(EgressBlocked) as refused:
            await guard.check_url("http://rebound.test/")
        assert refused.value.details["address"] == "127.0.0.1"
    assert resolver.calls == ["rebound.test"]
    await guard.aclose()


async def test_without_a_cache_every_check_resolves(settings: Settings) -> None:
    resolver = CountingResolver({"models.test": ["127.0.0.1"]})
    guard = guard_with(settings, resolver, ttl_s=0)
    await guard.check_url("http://models.test/")
    await guard.check_url("http://models.test/")
    assert resolver.calls == ["models.test", "models.test"]
    await guard.aclose()


async def test_an_expired_answer_is_asked_again() -> None:
    resolver = CountingResolver({"models.test": ["127.0.0.1"]})
    cache = DnsCache(ttl_s=1e-9)
    await cache.resolve(resolver, "models.test", 80)
    await cache.resolve(resolver, "models.test", 80)
    assert resolver.calls == ["models.test", "models.test"]


async def test_the_cache_keeps_at_most_its_size() -> None:
    resolver = CountingResolver({f"h{i}.test": ["127.0.0.1"] for i in range(3)})
    cache = DnsCache(ttl_s=30, size=2)
    for host in ("h0.test", "h1.test", "h2.test", "h0.test"):
        await cache.resolve(resolver, host, 80)
    # h0 was pushed out by h2, so it is asked again.
    assert resolver.calls == ["h0.test", "h1.test", "h2.test", "h0.test"]


async def test_only_the_system_resolver_is_cached_by_default(settings: Settings) -> None:
    system = EgressGuard(settings)
    injected = EgressGuard(settings, resolver=CountingResolver({}))
    assert system.dns_cache.ttl_s == settings.egress_dns_cache_s > 0
    assert injected.dns_cache.ttl_s == 0
    await system.aclose()
    await injected.aclose()
