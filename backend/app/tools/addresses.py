"""Which addresses a tool may reach: IP literals in every spelling, the refusal rules, and
the TOOL_ALLOWED_PRIVATE_HOSTS allowlist. Pure functions, no network (app.tools.egress uses
them before it connects)."""

from __future__ import annotations

import ipaddress
import re
import socket
from collections.abc import Iterable
from dataclasses import dataclass

Address = ipaddress.IPv4Address | ipaddress.IPv6Address

_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")
_METADATA = {ipaddress.ip_address("169.254.169.254"), ipaddress.ip_address("fd00:ec2::254")}
_LEGACY_IPV4 = re.compile(r"^[0-9a-fA-FxX.]+$")


def parse_ip_literal(host: str) -> Address | None:
    """The address a host string denotes by itself, in any spelling a resolver would accept
    (`127.0.0.1`, `[::1]`, `2130706433`, `0x7f.1`, `0177.0.0.1`), or None for a name."""
    bare = host.strip("[]").rstrip(".")
    try:
        return ipaddress.ip_address(bare.split("%", 1)[0])
    except ValueError:
        pass
    if _LEGACY_IPV4.match(bare) and any(ch.isdigit() for ch in bare):
        try:
            # inet_aton is a local parse (no lookup) with the same rules getaddrinfo applies.
            return ipaddress.IPv4Address(socket.inet_aton(bare))
        except OSError:
            return None
    return None


def refusal_reason(address: Address) -> str | None:
    """Why `address` may not be reached without the allowlist, or None if it is public."""
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return "IPv4-mapped IPv6 address"
        embedded = address.sixtofour or (address.teredo[1] if address.teredo else None)
        if embedded is None and address in _NAT64:
            embedded = ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
        if embedded is not None and refusal_reason(embedded) is not None:
            return "IPv6 address embedding a non-public IPv4 address"
    if address in _METADATA:
        return "cloud metadata address"
    if address.is_unspecified:
        return "unspecified address"
    if address.is_loopback:
        return "loopback address"
    if address.is_link_local:
        return "link-local address"
    if address.is_multicast:
        return "multicast address"
    if address.is_private:
        return "private address"
    if address.is_reserved or not address.is_global:
        return "non-public address"
    return None


@dataclass(frozen=True)
class AllowEntry:
    host: str
    port: int | None


def parse_allowlist(entries: Iterable[str]) -> list[AllowEntry]:
    """`host`, `host:port`, `[v6]:port`, bare IPv6; IPs are normalised."""
    parsed: list[AllowEntry] = []
    for raw in entries:
        entry = raw.strip().lower()
        if not entry:
            continue
        host, port = entry, None
        if entry.startswith("["):
            inside, _, rest = entry[1:].partition("]")
            host = inside
            if rest.startswith(":") and rest[1:].isdigit():
                port = int(rest[1:])
        elif entry.count(":") == 1:
            name, _, port_text = entry.partition(":")
            if port_text.isdigit():
                host, port = name, int(port_text)
        literal = parse_ip_literal(host)
        parsed.append(AllowEntry(str(literal) if literal else host.rstrip("."), port))
    return parsed
