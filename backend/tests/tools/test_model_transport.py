"""The model SDKs' transport (app.tools.egress_transport): every request checked by the egress
guard's rules, connected only to the checked address, never redirected.

Network rule as in test_egress_ssrf: loopback payloads aim at a canary on 127.0.0.1 that is not
on the allowlist and must see no connection; private and metadata addresses are refused by the
check itself (a recording network backend proves no connect was attempted); names resolve
through an injected table, never real DNS.
"""

from __future__ import annotations

from collections.abc import Iterable

import httpcore2
import httpx2
import pytest

from app.config import Settings
from app.tools.egress import EgressGuard, Resolver
from app.tools.egress_transport import EgressRefused, ModelEgress, odd_ip_spelling
from tests.canary import Canary, RecordingBackend2, canary_on
from tests.fakes.http_tool_server import FakeToolServer, json_reply
from tests.tools.conftest import fake_resolver
from tests.tools.test_egress_ssrf import LOOPBACK_PAYLOADS, PRIVATE_PAYLOADS, RESOLVER_TABLE


def model_egress(
    allow: Iterable[str] = (),
    resolver: Resolver | None = None,
    backend: httpcore2.AsyncNetworkBackend | None = None,
) -> ModelEgress:
    settings = Settings(_env_file=None, tool_allowed_private_hosts=",".join(allow))  # type: ignore[call-arg]
    guard = EgressGuard(settings, resolver=resolver or fake_resolver(RESOLVER_TABLE))
    return ModelEgress(guard, network_backend=backend)


@pytest.fixture
def backend() -> RecordingBackend2:
    return RecordingBackend2()


async def _refusal(egress: ModelEgress, url: str) -> EgressRefused:
    async with egress.client(5.0) as client:
        with pytest.raises(EgressRefused) as caught:
            await client.post(url, json={"model": "m"})
    return caught.value


@pytest.mark.parametrize("template", LOOPBACK_PAYLOADS)
async def test_loopback_in_any_spelling_never_reaches_the_canary(
    template: str, canary: Canary, backend: RecordingBackend2
) -> None:
    url = template.format(port=canary.port)
    egress = model_egress(backend=backend)
    async with egress.client(5.0) as client:
        with pytest.raises((EgressRefused, httpx2.InvalidURL)):
            await client.post(url, json={"model": "m"})
    assert canary.connections == 0
    assert backend.connects == []


@pytest.mark.parametrize("url", PRIVATE_PAYLOADS)
async def test_private_and_metadata_addresses_are_refused_by_the_check(
    url: str, backend: RecordingBackend2
) -> None:
    egress = model_egress(backend=backend)
    async with egress.client(5.0) as client:
        # Leading-zero octets do not even make a URL for httpx2; the rest reach the check.
        with pytest.raises((EgressRefused, httpx2.InvalidURL)) as caught:
            await client.post(url, json={"model": "m"})
    if isinstance(caught.value, EgressRefused):
        assert caught.value.error.code == "egress_blocked"
    assert backend.connects == []


@pytest.mark.parametrize(
    "host",
    ["0177.0.0.1", "010.0.0.1", "0x7f.1", "2130706433", "127.1", "1.2.3.04", "0999.0.0.1"],
)
def test_odd_ipv4_spellings_are_recognised(host: str) -> None:
    assert odd_ip_spelling(host)


@pytest.mark.parametrize("host", ["127.0.0.1", "10.0.0.1", "api.openai.com", "[::1]", "::1"])
def test_plain_addresses_and_names_are_not_odd(host: str) -> None:
    assert not odd_ip_spelling(host)


async def test_an_odd_spelling_is_refused_even_when_its_address_is_allowed(
    backend: RecordingBackend2, canary: Canary
) -> None:
    # 0x7f.1 is 127.0.0.1, which is on the allowlist here: the spelling alone is refused.
    egress = model_egress(allow=["127.0.0.1"], backend=backend)
    refusal = await _refusal(egress, f"http://0x7f.1:{canary.port}/v1/chat/completions")
    assert refusal.error.details["reason"] == "ip_spelling"
    assert backend.connects == [] and canary.connections == 0


@pytest.mark.parametrize("status", [301, 302, 303, 307, 308])
async def test_a_redirect_is_refused_naming_its_target_and_never_followed(
    status: int, canary: Canary, backend: RecordingBackend2
) -> None:
    with FakeToolServer() as server:
        target = f"http://127.0.0.1:{canary.port}/latest/meta-data/?token=abc"
        server.route("POST", "/v1/chat/completions", lambda r: (status, {"Location": target}, b""))
        # Only the fake server's port is allowed; the canary shares its address.
        egress = model_egress(allow=[f"127.0.0.1:{server.port}"], backend=backend)
        async with egress.client(5.0) as client:
            with pytest.raises(EgressRefused) as caught:
                # follow_redirects=True is what the SDKs may ask for: the transport decides.
                await client.post(
                    f"{server.url}/v1/chat/completions", json={}, follow_redirects=True
                )
    error = caught.value.error
    assert error.code == "egress_blocked" and error.details["reason"] == "redirect"
    assert f"127.0.0.1:{canary.port}" in error.message and f"HTTP {status}" in error.message
    assert "token=abc" not in error.message
    assert canary.connections == 0
    assert backend.connects == [("127.0.0.1", server.port)]


async def test_connections_are_pinned_to_the_checked_address(backend: RecordingBackend2) -> None:
    """A name is resolved once per request by the guard; the connection goes to that address,
    never to a fresh resolution (DNS rebinding), and the Host header keeps the name."""
    answers = iter([["127.0.0.1"], ["127.0.0.2"]])

    async def rebinding(host: str, port: int) -> list[str]:
        return next(answers)

    with FakeToolServer() as server:
        server.route("POST", "/v1/x", lambda r: json_reply(200, {"ok": True}))
        rebind_canary = await canary_on("127.0.0.2", server.port)
        try:
            egress = model_egress(allow=["127.0.0.1"], resolver=rebinding, backend=backend)
            async with egress.client(5.0) as client:
                url = f"http://model.example:{server.port}/v1/x"
                first = await client.post(url, json={})
                with pytest.raises(EgressRefused) as caught:
                    await client.post(url, json={})
        finally:
            await rebind_canary.close()
    assert first.status_code == 200
    assert backend.connects == [("127.0.0.1", server.port)]
    assert server.requests[0].header("Host") == f"model.example:{server.port}"
    assert caught.value.error.details["address"] == "127.0.0.2"
    assert rebind_canary.connections == 0


async def test_a_name_that_does_not_resolve_is_a_connect_error(
    backend: RecordingBackend2,
) -> None:
    refusal = await _refusal(model_egress(backend=backend), "http://nowhere.invalid/v1")
    assert refusal.error.code == "egress_connect_failed"
    assert "nowhere.invalid" in refusal.error.message
    assert backend.connects == []
