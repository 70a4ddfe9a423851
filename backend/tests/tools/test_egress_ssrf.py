"""The egress guard refuses every SSRF payload before connecting.

Network rule: nothing here sends a packet beyond loopback. Private, metadata and public
addresses are refused by the check itself (a recording network backend proves no connect was
attempted); names "resolve" through an injected table, never real DNS. Loopback payloads aim at
a canary listener on 127.0.0.1 that is not on the allowlist and must see zero connections.
"""

from __future__ import annotations

import pytest

from app.tools.addresses import AllowEntry, parse_allowlist
from app.tools.egress import ALLOW_SETTING, EgressBlocked, EgressError
from tests.canary import Canary, RecordingBackend
from tests.fakes.http_tool_server import FakeToolServer
from tests.tools.conftest import GuardFactory, fake_resolver

RESOLVER_TABLE = {
    "localhost": ["127.0.0.1", "::1"],
    "metadata.google.internal": ["169.254.169.254"],
    "169.254.169.254.nip.io": ["169.254.169.254"],
    "internal.corp.example": ["10.1.2.3"],
    "router.example": ["192.168.0.1"],
    "mixed.example": ["93.184.216.34", "127.0.0.1"],
    "v6only.example": ["::1"],
    "mapped.example": ["::ffff:10.0.0.1"],
    "ula.example": ["fd12:3456::1"],
    "cgnat.example": ["100.64.0.1"],
    "zero.example": ["0.0.0.0"],
}

# Loopback in every spelling, aimed at the canary's port.
LOOPBACK_PAYLOADS = [
    "http://127.0.0.1:{port}/",
    "https://127.0.0.1:{port}/",
    "http://localhost:{port}/",
    "http://LOCALHOST:{port}/admin",
    "http://localhost.:{port}/",
    "http://2130706433:{port}/",
    "http://0x7f000001:{port}/",
    "http://0x7f.0.0.1:{port}/",
    "http://0x7F.0x0.0x0.0x1:{port}/",
    "http://017700000001:{port}/",
    "http://127.1:{port}/",
    "http://127.0.1:{port}/",
    "http://[::1]:{port}/",
    "http://[0:0:0:0:0:0:0:1]:{port}/",
    "http://[::ffff:127.0.0.1]:{port}/",
    "http://[::ffff:7f00:1]:{port}/",
    "http://[0:0:0:0:0:ffff:127.0.0.1]:{port}/",
    "http://0.0.0.0:{port}/",
    "http://0:{port}/",
    "http://[::]:{port}/",
    "http://user:pass@127.0.0.1:{port}/",
    "http://example.com@127.0.0.1:{port}/",
    "http://127.0.0.1:{port}#@example.com/",
    "http://127.0.0.1:{port}?@example.com/",
    "http://v6only.example:{port}/",
    "http://mixed.example:{port}/",
    "http://[2002:7f00:1::]:{port}/",
    "http://127.255.255.254:{port}/",
]

# Non-loopback private, link-local and metadata targets: must be refused without a connect.
PRIVATE_PAYLOADS = [
    "http://169.254.169.254/latest/meta-data/iam/security-credentials/",
    "http://[fd00:ec2::254]/latest/meta-data/",
    "http://metadata.google.internal/computeMetadata/v1/",
    "http://169.254.169.254.nip.io/",
    "http://0251.0376.0251.0376/",
    "http://0xa9fea9fe/",
    "http://2852039166/",
    "http://[::ffff:169.254.169.254]/",
    "http://[64:ff9b::a9fe:a9fe]/",
    "http://10.0.0.1/",
    "http://10.255.255.255:8080/",
    "http://172.16.0.1/",
    "http://172.31.255.1/",
    "http://192.168.1.1/",
    "http://internal.corp.example/",
    "http://router.example/",
    "http://mapped.example/",
    "http://ula.example/",
    "http://cgnat.example/",
    "http://zero.example/",
    "http://100.64.0.1/",
    "http://[fe80::1]/",
    "http://[fc00::1]/",
    "http://224.0.0.1/",
    "http://255.255.255.255/",
    "http://198.18.0.1/",
]

OTHER_SCHEMES = [
    "file:///etc/passwd",
    "ftp://127.0.0.1/",
    "gopher://127.0.0.1:{port}/_GET",
    "dict://127.0.0.1:{port}/info",
    "ldap://127.0.0.1/",
    "ws://127.0.0.1:{port}/",
    "data:text/plain,hello",
    "javascript:alert(1)",
    "jar:http://127.0.0.1!/",
    "//127.0.0.1:{port}/",
    "unix:/var/run/docker.sock",
    "http:///etc/passwd",
]


@pytest.fixture
def backend() -> RecordingBackend:
    return RecordingBackend()


@pytest.mark.parametrize("template", LOOPBACK_PAYLOADS + OTHER_SCHEMES)
async def test_loopback_and_scheme_payloads_never_reach_the_canary(
    template: str, make_guard: GuardFactory, canary: Canary, backend: RecordingBackend
) -> None:
    guard = make_guard(resolver=fake_resolver(RESOLVER_TABLE), backend=backend)
    with pytest.raises(EgressBlocked) as info:
        await guard.request("GET", template.format(port=canary.port))
    assert info.value.status == 400 and info.value.code == "egress_blocked"
    assert backend.connects == []
    assert canary.connections == 0


@pytest.mark.parametrize("url", PRIVATE_PAYLOADS)
async def test_private_and_metadata_addresses_are_refused_before_any_connect(
    url: str, make_guard: GuardFactory, backend: RecordingBackend
) -> None:
    guard = make_guard(resolver=fake_resolver(RESOLVER_TABLE), backend=backend)
    with pytest.raises(EgressBlocked) as info:
        await guard.request("GET", url)
    assert backend.connects == []
    message = info.value.message
    if info.value.details["reason"] != "invalid_url":  # e.g. octal dotted quads httpx rejects
        assert ALLOW_SETTING in message
        assert info.value.details["address"] in message


def test_there_are_at_least_fifty_payloads() -> None:
    assert len(LOOPBACK_PAYLOADS) + len(PRIVATE_PAYLOADS) + len(OTHER_SCHEMES) >= 50


async def test_refusal_names_the_address_the_reason_and_the_setting(
    make_guard: GuardFactory,
) -> None:
    guard = make_guard(resolver=fake_resolver(RESOLVER_TABLE))
    with pytest.raises(EgressBlocked) as info:
        await guard.request("GET", "http://metadata.google.internal/")
    assert info.value.message == (
        "Blocked metadata.google.internal (169.254.169.254): cloud metadata address. "
        "To allow it, add 'metadata.google.internal' to TOOL_ALLOWED_PRIVATE_HOSTS."
    )
    with pytest.raises(EgressBlocked) as scheme:
        await guard.request("GET", "file:///etc/passwd")
    assert "only http and https" in scheme.value.message


REDIRECT_TARGETS = [
    (302, "http://127.0.0.1:{canary}/"),
    (301, "http://localhost:{canary}/steal"),
    (307, "http://2130706433:{canary}/"),
    (308, "http://[::1]:{canary}/"),
    (303, "http://[::ffff:127.0.0.1]:{canary}/"),
    (302, "http://169.254.169.254/latest/meta-data/"),
    (302, "http://10.0.0.1/"),
    (302, "http://metadata.google.internal/"),
    (302, "file:///etc/passwd"),
    (302, "gopher://127.0.0.1:{canary}/"),
]


@pytest.mark.parametrize(("status", "target"), REDIRECT_TARGETS)
async def test_redirects_to_blocked_targets_are_re_checked_each_hop(
    status: int,
    target: str,
    make_guard: GuardFactory,
    canary: Canary,
    tool_server: FakeToolServer,
    backend: RecordingBackend,
) -> None:
    location = target.format(canary=canary.port)
    tool_server.route("GET", "/go", lambda req: (status, {"Location": location}, b""))
    guard = make_guard(
        allow=[f"127.0.0.1:{tool_server.port}"],
        resolver=fake_resolver(RESOLVER_TABLE),
        backend=backend,
    )
    with pytest.raises(EgressBlocked):
        await guard.request("GET", f"{tool_server.url}/go")
    assert [p for _, p in backend.connects] == [tool_server.port]  # only the allowed server
    assert canary.connections == 0
    assert len(tool_server.requests) == 1


async def test_allowlisted_host_is_reached_and_pinned_to_the_checked_address(
    make_guard: GuardFactory, tool_server: FakeToolServer, backend: RecordingBackend
) -> None:
    guard = make_guard(
        allow=["rebind.example"],
        resolver=fake_resolver({"rebind.example": ["127.0.0.1"]}),
        backend=backend,
    )
    response = await guard.request("GET", f"http://rebind.example:{tool_server.port}/hello")
    assert response.status_code == 200
    assert backend.connects == [("127.0.0.1", tool_server.port)]
    assert tool_server.requests[0].header("Host") == f"rebind.example:{tool_server.port}"


async def test_allowlist_entry_with_a_port_allows_only_that_port(
    make_guard: GuardFactory, tool_server: FakeToolServer, canary: Canary
) -> None:
    guard = make_guard(allow=[f"127.0.0.1:{tool_server.port}"])
    assert (await guard.request("GET", f"{tool_server.url}/x")).status_code == 200
    with pytest.raises(EgressBlocked, match=f"add '127.0.0.1:{canary.port}'"):
        await guard.request("GET", f"http://127.0.0.1:{canary.port}/")
    assert canary.connections == 0


async def test_unchecked_host_cannot_be_connected_even_inside_the_client(
    make_guard: GuardFactory, tool_server: FakeToolServer
) -> None:
    guard = make_guard(allow=["127.0.0.1"])
    # Bypassing request() (no check, no pin) must not open a connection.
    with pytest.raises(Exception, match="no checked address"):
        await guard._client.get(f"{tool_server.url}/")
    assert tool_server.requests == []


async def test_unknown_names_fail_cleanly(make_guard: GuardFactory) -> None:
    guard = make_guard(resolver=fake_resolver({}))
    with pytest.raises(EgressError, match=r"Could not resolve host 'nowhere\.invalid'"):
        await guard.request("GET", "http://nowhere.invalid/")


@pytest.mark.parametrize(
    ("entry", "host", "port"),
    [
        ("LocalHost", "localhost", None),
        ("intranet.example:8080", "intranet.example", 8080),
        ("[::1]:9000", "::1", 9000),
        ("::1", "::1", None),
        ("0x7f.1", "127.0.0.1", None),
        ("host.example.", "host.example", None),
    ],
)
def test_allowlist_entries_are_normalised(entry: str, host: str, port: int | None) -> None:
    assert parse_allowlist([entry]) == [AllowEntry(host, port)]
