"""Every model base URL goes through the egress guard, through the real vendor SDKs.

Each of openai, anthropic, google and openai_compatible is built by app.llm.registry's
ModelFactory from wherever its URL enters (the environment, a workspace provider key, the
agent's model_config), and its SDK sends through the guarded transport. Network rule: only
loopback is ever connected to; canaries on 127.0.0.1 (not on the allowlist) must see nothing;
private and metadata addresses are refused by the check itself (injected resolver, recording
network backend); no real DNS query is made.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import pytest
from pydantic import SecretStr

from app.llm.base import Model, TextDelta
from app.llm.errors import LLMError, ProviderEgressBlocked, ProviderUnavailable
from app.llm.providers.anthropic import AnthropicModel
from app.llm.providers.google import GoogleModel
from app.llm.providers.openai import OpenAIModel
from app.llm.registry import KeySource, ModelFactory
from app.tools.egress import EgressGuard, Resolver
from app.tools.egress_transport import GuardedTransport, ModelEgress
from tests.canary import Canary, RecordingBackend2, canary_on
from tests.fakes.server import HttpError, Reply, Step, Text
from tests.llm.conftest import collect, fake_server, llm_settings
from tests.tools.conftest import fake_resolver

PROVIDERS = ("openai", "anthropic", "google", "openai_compatible")
ENV = {
    "openai": ("openai_api_key", "openai_base_url"),
    "anthropic": ("anthropic_api_key", "anthropic_base_url"),
    "google": ("google_api_key", "google_gemini_base_url"),
}
# Where a base URL enters: (provider, entry point).
ENTRIES = [
    *((p, "environment") for p in ("openai", "anthropic", "google")),
    *((p, "provider_key") for p in PROVIDERS),
    ("openai_compatible", "agent"),
]
WORKSPACE = uuid.uuid4()


@dataclass
class FakeAgent:
    provider: str
    model: str = "test-model"
    llm_config: dict[str, Any] | None = field(default_factory=dict)
    workspace_id: uuid.UUID = WORKSPACE


def vendor_of(provider: str) -> str:
    return "openai" if provider == "openai_compatible" else provider


def url_for(provider: str, origin: str) -> str:
    return f"{origin}/v1" if vendor_of(provider) == "openai" else origin


def make_factory(
    *,
    allow: Sequence[str] = (),
    resolver: Resolver | None = None,
    backend: RecordingBackend2 | None = None,
    keys: KeySource | None = None,
    **settings: Any,
) -> ModelFactory:
    # Retries on, without waiting: a refusal must not be retried into a connection.
    values = {"tool_allowed_private_hosts": ",".join(allow), "llm_max_retries": 3, **settings}
    config = llm_settings(**values)
    guard = EgressGuard(config, resolver=resolver or fake_resolver({}))
    return ModelFactory(config, ModelEgress(guard, network_backend=backend), keys=keys)


def workspace_key(api_key: str | None, base_url: str | None) -> KeySource:
    async def keys(session: Any, workspace_id: uuid.UUID, provider: str) -> tuple[Any, Any]:
        return api_key, base_url

    return keys


async def model_at(
    provider: str, entry: str, url: str, **factory: Any
) -> tuple[ModelFactory, Model]:
    """The agent's model, with `url` entering where `entry` says."""
    agent = FakeAgent(provider)
    if entry == "environment":
        key_field, url_field = ENV[provider]
        models = make_factory(
            **{key_field: SecretStr("sk-env-key-1234"), url_field: url}, **factory
        )
    elif entry == "provider_key":
        models = make_factory(keys=workspace_key("sk-workspace-key-5678", url), **factory)
    else:
        agent.llm_config = {"base_url": url}
        models = make_factory(**factory)
    return models, await models.for_agent(None, agent)  # type: ignore[arg-type]


async def refused(model: Model) -> LLMError:
    with pytest.raises(LLMError) as caught:
        await collect(model)
    return caught.value


# -- every entry point, every provider: a loopback canary is refused before any connection ---


@pytest.mark.parametrize(("provider", "entry"), ENTRIES)
async def test_a_loopback_base_url_not_on_the_allowlist_never_reaches_the_canary(
    provider: str, entry: str, canary: Canary
) -> None:
    _, model = await model_at(provider, entry, url_for(provider, f"http://127.0.0.1:{canary.port}"))
    error = await refused(model)
    assert isinstance(error, ProviderEgressBlocked), error
    assert (error.code, error.retryable, error.provider) == ("egress_blocked", False, provider)
    assert "loopback" in error.message and "TOOL_ALLOWED_PRIVATE_HOSTS" in error.message
    assert "sk-" not in error.message
    assert canary.connections == 0


@pytest.mark.parametrize(("provider", "entry"), ENTRIES)
async def test_an_allowlisted_server_is_reached_through_the_guarded_client(
    provider: str, entry: str
) -> None:
    async with fake_server(vendor_of(provider), [Reply([Text("hello")])]) as fake:
        allow = [f"127.0.0.1:{fake.port}"]
        _, model = await model_at(provider, entry, url_for(provider, fake.base_url), allow=allow)
        events = await collect(model)
    assert events[0] == TextDelta(text="hello")
    assert len(fake.requests) == 1


@pytest.mark.parametrize(
    "url", ["http://0177.0.0.1/v1", "http://010.0.0.1", "http://0x7f.1:8080/v1", "http://127.1/"]
)
@pytest.mark.parametrize(("provider", "entry"), ENTRIES)
async def test_an_oddly_spelled_ip_is_refused_when_the_model_is_built(
    provider: str, entry: str, url: str
) -> None:
    with pytest.raises(ProviderEgressBlocked, match="four decimal numbers"):
        await model_at(provider, entry, url, allow=["127.0.0.1", "10.0.0.1"])


# -- private and metadata addresses: refused by the check, proven without a connection ---------

PRIVATE_NAMES = {
    "metadata.example": ["169.254.169.254"],
    "intranet.example": ["10.1.2.3"],
    "router.example": ["192.168.0.1"],
    "half.example": ["93.184.216.34", "10.0.0.7"],
}


@pytest.mark.parametrize(
    "origin",
    [*(f"http://{name}" for name in PRIVATE_NAMES), "http://169.254.169.254", "http://10.0.0.5"],
)
@pytest.mark.parametrize("provider", PROVIDERS)
async def test_private_and_metadata_addresses_are_refused_without_connecting(
    provider: str, origin: str
) -> None:
    backend = RecordingBackend2()
    _, model = await model_at(
        provider,
        "provider_key",
        url_for(provider, origin),
        resolver=fake_resolver(PRIVATE_NAMES),
        backend=backend,
    )
    error = await refused(model)
    assert isinstance(error, ProviderEgressBlocked), error
    assert "TOOL_ALLOWED_PRIVATE_HOSTS" in error.message
    assert backend.connects == []


async def test_a_name_that_does_not_resolve_is_unavailable_not_blocked() -> None:
    backend = RecordingBackend2()
    _, model = await model_at(
        "openai_compatible", "agent", "http://ollama.invalid:11434/v1", backend=backend
    )
    error = await refused(model)
    assert isinstance(error, ProviderUnavailable) and error.retryable
    assert "ollama.invalid" in error.message
    assert backend.connects == []


# -- redirects: never followed, across our retries too -----------------------------------------


@pytest.mark.parametrize("status", [301, 302, 307, 308])
@pytest.mark.parametrize("provider", PROVIDERS)
async def test_a_redirect_to_a_canary_is_refused_with_its_target_named(
    provider: str, status: int, canary: Canary
) -> None:
    target = f"http://127.0.0.1:{canary.port}/v1"
    # A 503 first: our retry policy tries again, and the retry's redirect is refused too.
    script: list[Step] = [HttpError(503), HttpError(status, headers={"Location": target})]
    async with fake_server(vendor_of(provider), script) as fake:
        allow = [f"127.0.0.1:{fake.port}"]  # the canary shares the address, not the port
        _, model = await model_at(
            provider, "provider_key", url_for(provider, fake.base_url), allow=allow
        )
        error = await refused(model)
    assert isinstance(error, ProviderEgressBlocked), error
    assert f"redirect (HTTP {status})" in error.message
    assert f"127.0.0.1:{canary.port}" in error.message
    assert len(fake.requests) == 2  # the 503 and its one retry; the refusal is final
    assert canary.connections == 0


async def test_a_redirect_is_refused_even_to_an_allowed_host() -> None:
    async with fake_server("openai", []) as fake:
        fake.script = [HttpError(307, headers={"Location": f"{fake.base_url}/v2/chat"})]
        _, model = await model_at(
            "openai", "environment", f"{fake.base_url}/v1", allow=["127.0.0.1"]
        )
        error = await refused(model)
    assert isinstance(error, ProviderEgressBlocked)
    assert [r.path for r in fake.requests] == ["/v1/chat/completions"]


# -- DNS rebinding: the connection stays on the checked address --------------------------------


@pytest.mark.parametrize("provider", PROVIDERS)
async def test_a_rebinding_name_stays_pinned_to_the_checked_address(provider: str) -> None:
    answers = iter([["127.0.0.1"], ["127.0.0.2"]])

    async def rebinding(host: str, port: int) -> list[str]:
        assert host == "model.example"
        return next(answers)

    backend = RecordingBackend2()
    script: list[Step] = [Reply([Text("first")]), Reply([Text("second")])]
    async with fake_server(vendor_of(provider), script) as fake:
        rebound = await canary_on("127.0.0.2", fake.port)
        try:
            _, model = await model_at(
                provider,
                "provider_key",
                url_for(provider, f"http://model.example:{fake.port}"),
                allow=["127.0.0.1"],
                resolver=rebinding,
                backend=backend,
            )
            first = await collect(model)
            error = await refused(model)
        finally:
            await rebound.close()
    assert getattr(first[0], "text", None) == "first"
    assert fake.requests[0].headers["host"] == f"model.example:{fake.port}"
    assert backend.connects == [("127.0.0.1", fake.port)]
    assert isinstance(error, ProviderEgressBlocked) and "127.0.0.2" in error.message
    assert rebound.connections == 0 and len(fake.requests) == 1


# -- the SDK clients: built on the guarded transport, cached per guard -------------------------


def _transport(model: Model) -> object:
    if isinstance(model, GoogleModel):
        return model._clients.http._transport
    assert isinstance(model, OpenAIModel | AnthropicModel)
    return model.client._client._transport


@pytest.mark.parametrize("provider", PROVIDERS)
async def test_sdk_clients_use_the_guarded_transport_and_are_reused_per_guard(
    provider: str,
) -> None:
    models, first = await model_at(provider, "provider_key", url_for(provider, "https://x.test"))
    second = models.get_model(
        provider, "other-model", api_key="sk-workspace-key-5678", base_url=first.base_url
    )
    _, other_guard = await model_at(provider, "provider_key", url_for(provider, "https://x.test"))
    assert isinstance(_transport(first), GuardedTransport)
    assert _transport(second) is _transport(first)
    assert _transport(other_guard) is not _transport(first)
