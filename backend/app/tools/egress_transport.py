"""The egress guard inside the model SDKs' own HTTP client.

The vendor SDKs (openai, anthropic, google-genai) open their connections with `httpx2`, a fork
of httpx under its own import name, so the guard's `httpx.AsyncClient` cannot serve them. Each
SDK client gets instead an `httpx2.AsyncClient` from `ModelEgress.client`, whose transport

1. checks every request's URL with the guard's rules (`EgressGuard.check_url`: http/https only,
   every DNS answer public unless on TOOL_ALLOWED_PRIVATE_HOSTS) and refuses IPv4 literals in
   odd spellings (`0177.0.0.1`, `010.0.0.1`, `2130706433`), which resolvers and URL parsers
   disagree about;
2. connects only to the address it checked for that request (the `_pins` context variable of
   app.tools.egress, read by its pinned network backend, subclassed for httpcore2), so a
   second DNS answer (rebinding) is never used, and TLS still verifies the real host name;
3. never follows a redirect: a 3xx answer is refused, naming the host it pointed to, whatever
   the SDK asked for (`follow_redirects` is a per-request option the SDKs may set).

Refusals surface from the SDK call as `EgressRefused` (an httpx2 transport error, so every SDK
passes it on as a connection failure); app.llm.providers.common turns it into our LLM errors.

Base URLs set by the operator (OPENAI_BASE_URL, ...) go through the same transport: the operator
is trusted to choose the server, but a private or loopback one must be on the allowlist like
any other, and its connections are pinned and never redirected.
"""

from __future__ import annotations

import asyncio
import ipaddress

import httpcore2
import httpx2

from app.exceptions import ValidationFailed
from app.tools.addresses import parse_ip_literal
from app.tools.egress import (
    REDIRECT_STATUSES,
    EgressBlocked,
    EgressConnectError,
    EgressError,
    EgressGuard,
    EgressTimeout,
    _PinnedConnects,
    _pins,
    pin,
    pinned_pool_options,
    ssl_context,
)

# Checking a name can wait on DNS; a request with no connect timeout still gets this bound.
DEFAULT_CHECK_TIMEOUT_S = 10.0


class EgressRefused(httpx2.TransportError):
    """The guarded transport would not send the request; `error` says why (an EgressError)."""

    def __init__(self, error: EgressError, request: httpx2.Request) -> None:
        super().__init__(error.message, request=request)
        self.error = error


def odd_ip_spelling(host: str) -> bool:
    """True for an IPv4 literal not written as four plain decimal numbers (`0177.0.0.1`,
    `0x7f.1`, `127.1`, `2130706433`): resolvers read those differently, so they are refused."""
    bare = host.strip("[]").rstrip(".")
    literal = parse_ip_literal(bare)
    if isinstance(literal, ipaddress.IPv4Address):
        return bare != str(literal)
    # Digits and dots no resolver reads as one address (`1.2.3.4.5`, `0999.0.0.1`).
    return literal is None and bool(bare) and all(p.isdigit() for p in bare.split("."))


def _odd_spelling_error(host: str) -> EgressBlocked:
    return EgressBlocked(
        f"Blocked the address '{host}': write an IPv4 address as four decimal numbers without "
        "leading zeros (e.g. 192.0.2.10)",
        details={"host": host, "reason": "ip_spelling"},
    )


def _raw_host(url: str) -> str:
    """The host exactly as written in `url` (URL parsers normalise or reject odd spellings)."""
    rest = url.split("://", 1)[-1]
    authority = rest.split("/", 1)[0].split("?", 1)[0].split("#", 1)[0]
    host = authority.rsplit("@", 1)[-1]
    if host.startswith("["):
        return host.split("]", 1)[0] + "]"
    return host.rsplit(":", 1)[0] if host.count(":") == 1 else host


def check_url_spelling(url: str, error: type[Exception] = ValidationFailed) -> None:
    """Refuse a model server URL whose host is an oddly spelled IP literal: ValidationFailed
    (422) by default, or `error` (ValueError inside a pydantic validator)."""
    host = _raw_host(url.strip())
    if odd_ip_spelling(host):
        message = (
            f"the address '{host}' is not written as four decimal numbers without leading "
            "zeros (e.g. 192.0.2.10)"
        )
        if error is ValidationFailed:
            raise ValidationFailed(
                f"base_url: {message}", details={"field": "base_url", "reason": "ip_spelling"}
            )
        raise error(message)


async def check_server_url(guard: EgressGuard, url: str) -> None:
    """Check a model server URL when it is saved (provider key, agent): 422 for a malformed
    or oddly spelled one, 400 `egress_blocked` for one the guard refuses (private, loopback,
    metadata, not on TOOL_ALLOWED_PRIVATE_HOSTS).

    A name that does not resolve now (or not within DEFAULT_CHECK_TIMEOUT_S) is accepted: the
    server may legitimately be offline, and every request is checked again when it is sent.
    """
    check_url_spelling(url)
    try:
        httpx2.URL(url)
    except (httpx2.InvalidURL, TypeError, ValueError):
        raise ValidationFailed(
            "base_url: not a valid URL", details={"field": "base_url", "reason": "invalid_url"}
        ) from None
    try:
        async with asyncio.timeout(DEFAULT_CHECK_TIMEOUT_S):
            await guard.check_url(url)
    except (EgressConnectError, TimeoutError):
        return


class PinnedNetworkBackend2(_PinnedConnects, httpcore2.AsyncNetworkBackend):
    """The pinned network backend (app.tools.egress) for httpcore2."""

    connect_error = httpcore2.ConnectError

    def __init__(self, inner: httpcore2.AsyncNetworkBackend | None = None) -> None:
        super().__init__(inner or httpcore2.AnyIOBackend())


class GuardedTransport(httpx2.AsyncBaseTransport):
    """httpx2's transport behind the guard's check, with pinned connections and no redirects."""

    def __init__(
        self,
        guard: EgressGuard,
        network_backend: httpcore2.AsyncNetworkBackend | None = None,
        limits: httpx2.Limits | None = None,
    ) -> None:
        self.guard = guard
        limits = limits or httpx2.Limits(max_connections=100, max_keepalive_connections=20)
        self._inner = httpx2.AsyncHTTPTransport(
            verify=ssl_context(), trust_env=False, limits=limits
        )
        self._inner._pool = httpcore2.AsyncConnectionPool(
            **pinned_pool_options(limits, PinnedNetworkBackend2(network_backend))
        )

    async def handle_async_request(self, request: httpx2.Request) -> httpx2.Response:
        host = request.url.raw_host.decode("ascii")
        try:
            address = await self._check(request, host)
        except EgressError as error:
            raise EgressRefused(error, request) from None
        token = pin(request.url, address)
        try:
            response = await self._inner.handle_async_request(request)
        finally:
            _pins.reset(token)
        if response.status_code in REDIRECT_STATUSES:
            await response.aclose()
            raise EgressRefused(self._redirect_error(request, response), request)
        return response

    async def _check(self, request: httpx2.Request, host: str) -> str:
        if odd_ip_spelling(host):
            raise _odd_spelling_error(host)
        timeouts = request.extensions.get("timeout") or {}
        limit = timeouts.get("connect") or DEFAULT_CHECK_TIMEOUT_S
        try:
            async with asyncio.timeout(limit):
                _, address = await self.guard.check_url(str(request.url))
        except TimeoutError:
            raise EgressTimeout(f"Resolving {host} took longer than {limit:g} s") from None
        return address

    @staticmethod
    def _redirect_error(request: httpx2.Request, response: httpx2.Response) -> EgressBlocked:
        location = response.headers.get("location", "")
        try:
            target = request.url.join(location)
            where = target.host + (f":{target.port}" if target.port else "") or "an invalid URL"
        except (httpx2.InvalidURL, TypeError, ValueError):
            where = "an invalid URL"
        return EgressBlocked(
            f"{request.url.host} answered with a redirect (HTTP {response.status_code}) to "
            f"{where}; model servers are never followed across redirects: set the base URL "
            "to the server's own address",
            details={"reason": "redirect", "status": response.status_code, "target": where},
        )

    async def aclose(self) -> None:
        await self._inner.aclose()


class ModelEgress:
    """Guarded HTTP clients for the model SDKs, all checked by one EgressGuard's rules.

    One instance serves the app (app.state.models holds it); SDK clients are cached per
    instance, so a client built for this guard is reused and never one built without it.
    """

    def __init__(
        self,
        guard: EgressGuard,
        *,
        network_backend: httpcore2.AsyncNetworkBackend | None = None,
    ) -> None:
        self.guard = guard
        self.network_backend = network_backend

    def transport(self) -> GuardedTransport:
        return GuardedTransport(self.guard, self.network_backend)

    def client(self, timeout_s: float) -> httpx2.AsyncClient:
        return httpx2.AsyncClient(
            transport=self.transport(),
            follow_redirects=False,
            trust_env=False,
            timeout=timeout_s,
        )
