"""What every provider file shares: who the vendor is, HTTP failures -> our error tree, parsing.

Error messages are written for the person running the agent and name what to change. They never
carry the API key: vendor messages are only quoted for refused requests (400/404/422), with the
key scrubbed out should the vendor have echoed it.
"""

from __future__ import annotations

import asyncio
import json
import re
import weakref
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from time import time
from typing import Any, Generic, TypeVar
from urllib.parse import urlsplit, urlunsplit

from app.llm.base import FinishReason
from app.llm.errors import (
    LLMError,
    MalformedStream,
    ProviderAuthError,
    ProviderBadRequest,
    ProviderEgressBlocked,
    ProviderRateLimited,
    ProviderTimeout,
    ProviderUnavailable,
)
from app.tools.egress_transport import EgressRefused, ModelEgress

Client = TypeVar("Client")
WORKSPACE_KEYS_HINT = "or add a key in the workspace settings under Provider keys"
_MAX_QUOTED = 300


@dataclass(frozen=True)
class Vendor:
    """The facts an error message needs about the provider a model runs on."""

    name: str  # our provider name: anthropic, openai, openai_compatible, google
    label: str  # for people: "Anthropic"
    key_env: str | None  # the env var holding its key, when it has one
    base_url: str = ""  # only shown when the server could not be reached
    api_key: str = ""  # only used to scrub vendor messages

    def key_hint(self) -> str:
        if self.key_env:
            return f"set {self.key_env} {WORKSPACE_KEYS_HINT}"
        return f"check the API key for this server ({WORKSPACE_KEYS_HINT})"

    def scrub(self, text: str) -> str:
        text = " ".join(text.split())
        if self.api_key and len(self.api_key) >= 4:
            text = text.replace(self.api_key, "***")
        return text[:_MAX_QUOTED]


CacheKey = tuple[str, str, float, ModelEgress]


class ClientCache(Generic[Client]):
    """SDK clients by (api key, base URL, timeout, egress): one connection pool each, reused by
    every call. The egress (app.tools.egress_transport.ModelEgress) is part of the key: every
    client is built on its guarded HTTP client, and one guard's client is never handed out for
    another. Kept per event loop, since a pool belongs to the loop that opened its connections
    (a CLI or a test may run several loops in turn). Bounded; a client pushed out is left to
    the garbage collector, as a stream may still be reading from it."""

    def __init__(
        self,
        make: Callable[[str, str, float, ModelEgress], Client],
        close: Callable[[Client], Awaitable[None]],
        size: int = 32,
    ) -> None:
        self.make = make
        self.close = close
        self.size = size
        self.by_loop: weakref.WeakKeyDictionary[
            asyncio.AbstractEventLoop, OrderedDict[CacheKey, Client]
        ] = weakref.WeakKeyDictionary()
        self.outside_loop: OrderedDict[CacheKey, Client] = OrderedDict()

    def _clients(self) -> OrderedDict[CacheKey, Client]:
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return self.outside_loop
        return self.by_loop.setdefault(loop, OrderedDict())

    def get(self, api_key: str, base_url: str, timeout_s: float, egress: ModelEgress) -> Client:
        clients = self._clients()
        key = (api_key, base_url, timeout_s, egress)
        client = clients.get(key)
        if client is None:
            client = clients[key] = self.make(api_key, base_url, timeout_s, egress)
        clients.move_to_end(key)
        while len(clients) > self.size:
            clients.popitem(last=False)
        return client

    async def aclose(self) -> None:
        """Close this loop's clients (and those made outside any loop)."""
        clients = [*self._clients().values(), *self.outside_loop.values()]
        self._clients().clear()
        self.outside_loop.clear()
        for client in clients:
            await self.close(client)


def public_url(url: str) -> str:
    """`url` without user:password@, safe to show in a message."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if parts.port:
        host = f"{host}:{parts.port}"
    return urlunsplit((parts.scheme, host, parts.path, "", ""))


def error_for_status(
    vendor: Vendor, status: int, detail: str | None = None, retry_after_s: float | None = None
) -> LLMError:
    """Our error for an HTTP failure status from the vendor."""
    quoted = f": {vendor.scrub(detail)}" if detail else ""
    if status in (401, 403):
        verb = "rejected the API key" if status == 401 else "refused access with this API key"
        return ProviderAuthError(vendor.name, f"{vendor.label} {verb}: {vendor.key_hint()}")
    if status == 429:
        when = f"retry in {retry_after_s:g}s" if retry_after_s else "try again shortly"
        return ProviderRateLimited(
            vendor.name,
            f"{vendor.label} rate limit or quota reached (HTTP 429); {when}",
            retry_after_s=retry_after_s,
        )
    if status == 404:
        return ProviderBadRequest(
            vendor.name,
            f"{vendor.label} does not know this model or endpoint (HTTP 404){quoted}; "
            "check the model name",
        )
    if status in (408, 504):
        return ProviderTimeout(vendor.name, f"{vendor.label} timed out (HTTP {status})")
    if status >= 500:
        return ProviderUnavailable(
            vendor.name, f"{vendor.label} is unavailable (HTTP {status}); try again shortly"
        )
    return ProviderBadRequest(
        vendor.name, f"{vendor.label} refused the request (HTTP {status}){quoted}"
    )


def egress_refusal(error: BaseException) -> EgressRefused | None:
    """The guarded transport's refusal behind an SDK's connection error, if that is what it is
    (the SDKs wrap transport errors in their own, keeping the original as the cause)."""
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        if isinstance(current, EgressRefused):
            return current
        seen.add(id(current))
        current = current.__cause__ or current.__context__
    return None


def connection_failed(vendor: Vendor, error: BaseException) -> LLMError:
    """Our error for a request that got no answer: refused by the egress guard (the URL, an
    address it resolved to, a redirect), or the server could not be reached."""
    refusal = egress_refusal(error)
    if refusal is None:
        return unreachable(vendor)
    if refusal.error.code == "egress_blocked":
        return ProviderEgressBlocked(
            vendor.name, f"{vendor.label} at {public_url(vendor.base_url)}: {refusal.error.message}"
        )
    if refusal.error.code == "egress_timeout":
        return ProviderTimeout(vendor.name, f"{vendor.label}: {refusal.error.message}")
    return ProviderUnavailable(
        vendor.name,
        f"Could not connect to {vendor.label} at {public_url(vendor.base_url)}: "
        f"{refusal.error.message}; check the base URL and network",
    )


def unreachable(vendor: Vendor) -> ProviderUnavailable:
    where = f" at {public_url(vendor.base_url)}" if vendor.base_url else ""
    return ProviderUnavailable(
        vendor.name, f"Could not connect to {vendor.label}{where}; check the base URL and network"
    )


def timed_out(vendor: Vendor) -> ProviderTimeout:
    return ProviderTimeout(
        vendor.name, f"{vendor.label} did not answer in time (LLM_TIMEOUT_S); try again"
    )


def broken_stream(vendor: Vendor, what: str) -> MalformedStream:
    return MalformedStream(vendor.name, f"{vendor.label} sent a broken stream: {what}")


def sdk_refused(vendor: Vendor, error: Exception) -> ProviderBadRequest:
    """The vendor's SDK would not send the request (bad option, bad input)."""
    return ProviderBadRequest(
        vendor.name, f"The {vendor.label} client refused the request: {vendor.scrub(str(error))}"
    )


def parse_retry_after(headers: Any) -> float | None:
    """Seconds from `retry-after-ms` / `Retry-After` (seconds or an HTTP date), if present."""
    if headers is None:
        return None
    millis = headers.get("retry-after-ms")
    if millis:
        try:
            return max(0.0, float(millis) / 1000)
        except ValueError:
            pass
    value = headers.get("retry-after")
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        return max(0.0, parsedate_to_datetime(value).timestamp() - time())
    except (TypeError, ValueError):
        return None


_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)s\s*$")


def parse_duration(value: object) -> float | None:
    """Google's protobuf durations: "30s", "1.5s"."""
    if isinstance(value, str) and (match := _DURATION.match(value)):
        return float(match.group(1))
    return None


def parse_arguments(vendor: Vendor, tool_name: str, raw: str) -> dict[str, Any]:
    """Tool-call arguments from the JSON text the model wrote (empty text means none)."""
    if not raw.strip():
        return {}
    try:
        arguments = json.loads(raw)
    except ValueError:
        raise broken_stream(
            vendor, f"the arguments of tool call '{tool_name}' are not valid JSON"
        ) from None
    if not isinstance(arguments, dict):
        raise broken_stream(
            vendor, f"the arguments of tool call '{tool_name}' are not a JSON object"
        )
    return arguments


def finish_reason(raw: str | None, *, made_tool_calls: bool) -> FinishReason:
    """Our finish reason from a vendor's, whatever its spelling (stop, end_turn, STOP, ...)."""
    if made_tool_calls:
        return "tool_calls"
    value = (raw or "").lower()
    if value in ("stop", "end_turn", "stop_sequence", "finish_reason_unspecified"):
        return "stop"
    if value in ("tool_calls", "tool_use", "function_call"):
        return "tool_calls"
    if value in ("length", "max_tokens", "model_context_window_exceeded"):
        return "max_tokens"
    return "other"


def tool_result_text(content: str, is_error: bool) -> str:
    """A tool result for vendors with no error flag: the model must still see it failed."""
    return f"Error: {content}" if is_error and not content.startswith("Error") else content
