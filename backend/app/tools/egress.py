"""The one module that opens HTTP connections to user-given URLs.

Every request goes through `EgressGuard.request`, which

1. accepts only http and https URLs;
2. resolves the host (every A and AAAA answer; the system resolver's answer is reused for
   EGRESS_DNS_CACHE_S, and checked again on every use) and refuses the request if any answer is
   not a public address: loopback, private, link-local (cloud metadata 169.254.169.254),
   unspecified (0.0.0.0), multicast, reserved, IPv4-mapped/6to4/NAT64 IPv6 wrapping such an
   address; IP literals in any spelling (`2130706433`, `0x7f.1`, `0177.0.0.1`,
   `[::ffff:127.0.0.1]`) are parsed and checked the same way. Hosts (or `host:port`) on
   TOOL_ALLOWED_PRIVATE_HOSTS are exempt;
3. pins the connection to the checked address: the transport's network backend connects only
   to addresses this module checked for that host, so a second DNS answer (rebinding) is never
   used, and TLS still verifies the real host name;
4. follows redirects by hand (at most TOOL_MAX_REDIRECTS), re-checking every hop and dropping
   credentials when the origin changes;
5. bounds the whole exchange by a timeout and reads at most TOOL_MAX_RESPONSE_BYTES.

Errors::

    EgressError (AppError)        422 egress_error
    ├── EgressBlocked             400 egress_blocked        the URL or address is not allowed
    ├── EgressTimeout             422 egress_timeout
    ├── EgressTooManyRedirects    422 egress_too_many_redirects
    └── EgressConnectError        422 egress_connect_failed

A target the user named that is slow or unreachable is a problem with their input, not a
server fault: every egress error is a 4xx.
"""

from __future__ import annotations

import asyncio
import contextvars
import functools
import ipaddress
import socket
import ssl
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Annotated, Any, Protocol

import httpcore
import httpx
from fastapi import Depends, Request

from app.config import Settings
from app.exceptions import AppError
from app.tools.addresses import Address, parse_allowlist, parse_ip_literal, refusal_reason

Resolver = Callable[[str, int], Awaitable[list[str]]]

ALLOW_SETTING = "TOOL_ALLOWED_PRIVATE_HOSTS"
REDIRECT_STATUSES = {301, 302, 303, 307, 308}
# Headers kept when a redirect leaves the original origin; everything else may carry a secret.
CROSS_ORIGIN_SAFE_HEADERS = {"accept", "accept-encoding", "accept-language", "user-agent"}
USER_AGENT = "AgentBuilder-Tools/1.0"


class EgressError(AppError):
    code = "egress_error"
    status = 422


class EgressBlocked(EgressError):
    code = "egress_blocked"
    status = 400


class EgressTimeout(EgressError):
    code = "egress_timeout"


class EgressTooManyRedirects(EgressError):
    code = "egress_too_many_redirects"


class EgressConnectError(EgressError):
    code = "egress_connect_failed"


# --- resolution and pinning -----------------------------------------------------------------


async def system_resolver(host: str, port: int) -> list[str]:
    loop = asyncio.get_running_loop()
    infos = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return [str(info[4][0]) for info in infos]


# (host as httpcore connects to it, port) -> the address checked for it, for the current
# request. The host is the URL's ASCII form (punycode for an internationalised name): that is
# what httpx hands httpcore, so a pin keyed by the decoded name would never match.
Pins = Mapping[tuple[str, int], str]
_pins: contextvars.ContextVar[Pins | None] = contextvars.ContextVar("egress_pins", default=None)


def _pin_host(host: str) -> str:
    return host.lower().rstrip(".")


class AnyURL(Protocol):
    """httpx.URL or httpx2.URL."""

    @property
    def scheme(self) -> str: ...
    @property
    def raw_host(self) -> bytes: ...
    @property
    def port(self) -> int | None: ...


def pin(url: AnyURL, address: str) -> contextvars.Token[Pins | None]:
    """Pin `url`'s host to `address` for the current context (reset with `_pins.reset`)."""
    port = url.port or (443 if url.scheme == "https" else 80)
    return _pins.set({(_pin_host(url.raw_host.decode("ascii")), port): address})


class _PinnedConnects:
    """The network backend of both httpcore and httpcore2 (the model SDKs' fork, see
    app.tools.egress_transport): it connects only to the address the guard checked for the
    host, and anything else fails. The two libraries have the same interface but their own
    classes, and each httpx maps only its own httpcore's errors, so each subclass names its
    library's base class and ConnectError."""

    connect_error: type[Exception]

    def __init__(self, inner: Any) -> None:
        self._inner = inner

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,  # noqa: ASYNC109 (httpcore's signature)
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> Any:
        address = (_pins.get() or {}).get((_pin_host(host), port))
        if address is None:
            raise self.connect_error(f"no checked address for {host}:{port}")
        return await self._inner.connect_tcp(
            address,
            port,
            timeout=timeout,
            local_address=local_address,
            socket_options=socket_options,
        )

    async def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,  # noqa: ASYNC109 (httpcore's signature)
        socket_options: Iterable[Any] | None = None,
    ) -> Any:
        raise self.connect_error("unix sockets are not allowed")

    async def sleep(self, seconds: float) -> None:
        await self._inner.sleep(seconds)


class PinnedNetworkBackend(_PinnedConnects, httpcore.AsyncNetworkBackend):
    """The pinned network backend for httpcore (the guard's own httpx client)."""

    connect_error = httpcore.ConnectError

    def __init__(self, inner: httpcore.AsyncNetworkBackend | None = None) -> None:
        super().__init__(inner or httpcore.AnyIOBackend())


@functools.cache
def ssl_context() -> ssl.SSLContext:
    # Loading the CA bundle is slow; one context (a plain ssl.SSLContext) serves every guard
    # and every model client, httpx's and httpx2's alike.
    return httpx.create_ssl_context(trust_env=False)


class PoolLimits(Protocol):
    """httpx.Limits or httpx2.Limits."""

    max_connections: int | None
    max_keepalive_connections: int | None
    keepalive_expiry: float | None


def pinned_pool_options(limits: PoolLimits, backend: _PinnedConnects) -> dict[str, Any]:
    """Arguments for httpcore's (or httpcore2's) AsyncConnectionPool as httpx builds its own,
    with the pinned backend: neither httpx takes a network backend, so each transport's pool
    is replaced with one built from these."""
    return {
        "ssl_context": ssl_context(),
        "max_connections": limits.max_connections,
        "max_keepalive_connections": limits.max_keepalive_connections,
        "keepalive_expiry": limits.keepalive_expiry,
        "network_backend": backend,
    }


class PinnedTransport(httpx.AsyncHTTPTransport):
    """httpx's transport with the pinned network backend."""

    def __init__(self, backend: PinnedNetworkBackend, limits: httpx.Limits) -> None:
        super().__init__(verify=ssl_context(), trust_env=False, limits=limits)
        self._pool = httpcore.AsyncConnectionPool(**pinned_pool_options(limits, backend))


def parse_url(url: str | httpx.URL, what: str = "a URL") -> httpx.URL:
    """`url` parsed, its host a valid name; EgressBlocked (`invalid_url`) otherwise. An
    IDNA-invalid name (`xn--zz.example`) parses, then fails when decoded: that is checked
    here, before anything uses the host."""
    try:
        parsed = httpx.URL(url)
        parsed.host  # noqa: B018 (decoding the name is the check)
    except (httpx.InvalidURL, TypeError, UnicodeError, ValueError):
        raise EgressBlocked(
            f"Blocked {what}: it is not a valid URL or its host is not a valid domain name",
            details={"reason": "invalid_url"},
        ) from None
    return parsed


# --- the guard ------------------------------------------------------------------------------


@dataclass
class EgressResponse:
    status_code: int
    headers: list[tuple[str, str]]
    body: bytes
    truncated: bool
    url: str
    latency_ms: float
    redirects: list[str] = field(default_factory=list)

    def text(self) -> str:
        return self.body.decode("utf-8", "replace")

    def header(self, name: str) -> str | None:
        lowered = name.lower()
        return next((v for k, v in self.headers if k.lower() == lowered), None)


class DnsCache:
    """A resolver's answers by (host, port) for `ttl_s` seconds, at most `size` hosts.

    Only answers are kept, never a verdict: `check_url` checks the addresses on every use."""

    def __init__(self, ttl_s: float, size: int = 1024) -> None:
        self.ttl_s = ttl_s
        self.size = size
        self._answers: OrderedDict[tuple[str, int], tuple[float, list[str]]] = OrderedDict()

    async def resolve(self, resolver: Resolver, host: str, port: int) -> list[str]:
        if self.ttl_s <= 0:
            return await resolver(host, port)
        key = (host, port)
        now = time.monotonic()
        cached = self._answers.get(key)
        if cached is not None and cached[0] > now:
            return cached[1]
        answer = await resolver(host, port)
        if answer:
            self._answers[key] = (now + self.ttl_s, answer)
            self._answers.move_to_end(key)
            while len(self._answers) > self.size:
                self._answers.popitem(last=False)
        return answer


class EgressGuard:
    """The shared, guarded HTTP client for tool calls, OAuth token requests and spec URLs."""

    def __init__(
        self,
        settings: Settings,
        *,
        resolver: Resolver | None = None,
        network_backend: httpcore.AsyncNetworkBackend | None = None,
    ) -> None:
        self.settings = settings
        self.allowlist = parse_allowlist(settings.tool_allowed_private_host_list)
        self.resolver = resolver or system_resolver
        # Answers of the system resolver are reused for a short while: without it every model
        # call would wait for a DNS lookup (getaddrinfo has no cache of its own here). An
        # injected resolver (tests) is asked every time unless a test sets the cache itself.
        self.dns_cache = DnsCache(settings.egress_dns_cache_s if resolver is None else 0.0)
        limits = httpx.Limits(max_connections=100, max_keepalive_connections=20)
        self._client = httpx.AsyncClient(
            transport=PinnedTransport(PinnedNetworkBackend(network_backend), limits),
            follow_redirects=False,
            trust_env=False,
            headers={"User-Agent": USER_AGENT},
        )

    async def aclose(self) -> None:
        await self._client.aclose()

    def _allowed(self, names: set[str], address: Address, port: int) -> bool:
        names = {*names, str(address)}
        return any(e.host in names and e.port in (None, port) for e in self.allowlist)

    async def check_url(self, url: str | httpx.URL) -> tuple[httpx.URL, str]:
        """Validate `url` and resolve it to one checked address; raise EgressBlocked."""
        parsed = parse_url(url)
        if parsed.scheme not in ("http", "https"):
            raise EgressBlocked(
                f"Blocked a {parsed.scheme or 'scheme-less'} URL: only http and https URLs are "
                "allowed (no setting changes this)",
                details={"reason": "scheme", "scheme": parsed.scheme},
            )
        # Resolved and allowlisted by its ASCII (punycode) form, which DNS and httpcore use;
        # the allowlist may also name it in Unicode.
        host = parsed.raw_host.decode("ascii").lower().rstrip(".")
        names = {host, parsed.host.lower().rstrip(".")}
        if not host:
            raise EgressBlocked("Blocked a URL without a host", details={"reason": "invalid_url"})
        port = parsed.port or (443 if parsed.scheme == "https" else 80)
        literal = parse_ip_literal(host)
        if literal is not None:
            candidates = [str(literal)]
        else:
            try:
                candidates = await self.dns_cache.resolve(self.resolver, host, port)
            except (OSError, UnicodeError):
                raise EgressConnectError(
                    f"Could not resolve host '{host}'", details={"host": host}
                ) from None
            if not candidates:
                raise EgressConnectError(f"Host '{host}' has no addresses", details={"host": host})
        checked: list[str] = []
        for candidate in candidates:
            address = ipaddress.ip_address(candidate.split("%", 1)[0])
            reason = refusal_reason(address)
            if reason is not None and not self._allowed(names, address, port):
                allow = host if parsed.port is None else f"{host}:{port}"
                raise EgressBlocked(
                    f"Blocked {host} ({address}): {reason}. To allow it, add '{allow}' to "
                    f"{ALLOW_SETTING}.",
                    details={
                        "host": host,
                        "address": str(address),
                        "reason": reason,
                        "setting": ALLOW_SETTING,
                    },
                )
            checked.append(str(address))
        return parsed, checked[0]

    async def request(
        self,
        method: str,
        url: str,
        *,
        params: Mapping[str, str] | None = None,
        headers: Mapping[str, str] | None = None,
        json: Any = None,
        data: Mapping[str, str] | None = None,
        content: bytes | None = None,
        timeout_s: float | None = None,
        max_bytes: int | None = None,
        follow_redirects: bool = True,
    ) -> EgressResponse:
        """Send one request (and its redirects, unless `follow_redirects` is False: then a
        redirect is answered as it came) through the guard."""
        timeout = timeout_s or self.settings.tool_default_timeout_s
        limit = max_bytes or self.settings.tool_max_response_bytes
        started = time.perf_counter()
        parse_url(url)
        try:
            request = self._client.build_request(
                method,
                url,
                params=params,
                headers=headers,
                json=json,
                data=data,
                content=content,
                timeout=timeout,
            )
        except (httpx.InvalidURL, UnicodeError):
            raise EgressBlocked(
                "Blocked an invalid URL", details={"reason": "invalid_url"}
            ) from None
        try:
            async with asyncio.timeout(timeout):
                return await self._exchange(request, limit, started, timeout, follow_redirects)
        except TimeoutError:
            raise EgressTimeout(
                f"{request.url.host} did not answer within {timeout:g} s",
                details={"timeout_s": timeout},
            ) from None

    async def _exchange(
        self,
        request: httpx.Request,
        limit: int,
        started: float,
        timeout_s: float,
        follow_redirects: bool = True,
    ) -> EgressResponse:
        hops: list[str] = []
        while True:
            url, address = await self.check_url(request.url)
            token = pin(url, address)
            try:
                response = await self._client.send(request, stream=True)
            except httpx.TimeoutException:
                raise EgressTimeout(f"{url.host} timed out") from None
            except UnicodeError:
                # httpx prepares a redirect's next request even when not following it, and
                # decoding an IDNA-invalid Location host (`xn--zz.example`) raises there.
                raise EgressBlocked(
                    f"Blocked a redirect from {url.host} to an invalid URL: its host is not a "
                    "valid domain name",
                    details={"reason": "invalid_url"},
                ) from None
            except httpx.HTTPError as exc:
                raise EgressConnectError(
                    f"Could not reach {url.host}: {type(exc).__name__}", details={"host": url.host}
                ) from None
            finally:
                _pins.reset(token)
            try:
                location = response.headers.get("location")
                if follow_redirects and response.status_code in REDIRECT_STATUSES and location:
                    if len(hops) >= self.settings.tool_max_redirects:
                        raise EgressTooManyRedirects(
                            f"More than {self.settings.tool_max_redirects} redirects "
                            f"(TOOL_MAX_REDIRECTS) starting at {hops[0] if hops else url}",
                        )
                    hops.append(str(url.copy_with(query=None)))
                    request = self._redirect(request, response, location, timeout_s)
                    continue
                body, truncated = await self._read(response, limit)
            except httpx.TimeoutException:
                raise EgressTimeout(f"{url.host} timed out") from None
            except httpx.HTTPError as exc:
                raise EgressConnectError(
                    f"Reading from {url.host} failed: {type(exc).__name__}",
                    details={"host": url.host},
                ) from None
            finally:
                await response.aclose()
            return EgressResponse(
                status_code=response.status_code,
                headers=list(response.headers.multi_items()),
                body=body,
                truncated=truncated,
                url=str(url),
                latency_ms=round((time.perf_counter() - started) * 1000, 2),
                redirects=hops,
            )

    @staticmethod
    async def _read(response: httpx.Response, limit: int) -> tuple[bytes, bool]:
        chunks: list[bytes] = []
        size = 0
        async for chunk in response.aiter_bytes():
            size += len(chunk)
            chunks.append(chunk)
            if size > limit:
                return b"".join(chunks)[:limit], True
        return b"".join(chunks), False

    def _redirect(
        self, request: httpx.Request, response: httpx.Response, location: str, timeout_s: float
    ) -> httpx.Request:
        try:
            target = parse_url(request.url.join(location), "a redirect")
        except httpx.InvalidURL:
            raise EgressBlocked(
                "Blocked a redirect to an invalid URL", details={"reason": "invalid_url"}
            ) from None
        method = request.method
        keep_body = response.status_code in (307, 308)
        if response.status_code == 303 or (
            response.status_code in (301, 302) and method not in ("GET", "HEAD")
        ):
            method = "GET" if method != "HEAD" else "HEAD"
        same_origin = (target.scheme, target.raw_host, target.port) == (
            request.url.scheme,
            request.url.raw_host,
            request.url.port,
        )
        headers = {
            k: v
            for k, v in request.headers.items()
            if k.lower() != "host"
            and (same_origin or k.lower() in CROSS_ORIGIN_SAFE_HEADERS)
            and (keep_body or k.lower() not in ("content-type", "content-length"))
        }
        try:
            return self._client.build_request(
                method,
                target,
                headers=headers,
                content=request.content if keep_body else None,
                timeout=timeout_s,
            )
        except (httpx.InvalidURL, UnicodeError):
            raise EgressBlocked(
                "Blocked a redirect to an invalid URL", details={"reason": "invalid_url"}
            ) from None


def app_egress(request: Request) -> EgressGuard:
    """The app's guard (app.state.egress), for routes that check a URL when it is saved."""
    guard: EgressGuard = request.app.state.egress
    return guard


EgressDep = Annotated[EgressGuard, Depends(app_egress)]
