"""get_model and list_providers: keys, base URLs, client reuse and the providers listing."""

from __future__ import annotations

import asyncio

import pytest
from pydantic import SecretStr

from app.config import Settings
from app.llm.base import Model
from app.llm.errors import ProviderAuthError, ProviderBadRequest
from app.llm.providers.google import GoogleModel
from app.llm.providers.openai import OpenAIModel
from app.llm.registry import close_clients, list_providers
from app.llm.registry import get_model as registry_get_model
from tests.fakes.server import Reply, Text
from tests.llm.conftest import HELLO, LOCAL, collect, fake_server, llm_settings


def get_model(
    provider: str,
    model: str,
    *,
    settings: Settings,
    api_key: str | None = None,
    base_url: str | None = None,
) -> Model:
    """registry.get_model through the guard that allows the fake servers on 127.0.0.1."""
    return registry_get_model(
        provider, model, settings=settings, egress=LOCAL, api_key=api_key, base_url=base_url
    )


def url_for(vendor: str, base_url: str) -> str:
    return f"{base_url}/v1" if vendor == "openai" else base_url


ENV = {
    "openai": ("openai_api_key", "openai_base_url", "OPENAI_API_KEY"),
    "anthropic": ("anthropic_api_key", "anthropic_base_url", "ANTHROPIC_API_KEY"),
    "google": ("google_api_key", "google_gemini_base_url", "GOOGLE_API_KEY"),
}


def test_a_provider_without_a_key_names_the_env_var_and_the_workspace_setting(
    vendor: str,
) -> None:
    with pytest.raises(ProviderAuthError) as caught:
        get_model(vendor, "some-model", settings=llm_settings())
    assert ENV[vendor][2] in caught.value.message
    assert "Provider keys" in caught.value.message
    assert caught.value.provider == vendor


async def test_the_environment_key_and_base_url_are_used(vendor: str) -> None:
    key_field, url_field, _ = ENV[vendor]
    async with fake_server(vendor, [Reply([Text("from env")])]) as fake:
        settings = llm_settings(
            **{key_field: SecretStr("env-key-1234"), url_field: url_for(vendor, fake.base_url)}
        )
        events = await collect(get_model(vendor, "m", settings=settings))
    assert events[0].model_dump() == {"type": "text_delta", "text": "from env"}
    assert "env-key-1234" in " ".join(fake.requests[0].headers.values())


async def test_a_key_and_base_url_given_per_call_win_over_the_settings(vendor: str) -> None:
    key_field, url_field, _ = ENV[vendor]
    # The settings point at a port nobody listens on, with another key.
    settings = llm_settings(**{key_field: SecretStr("env-key"), url_field: "http://127.0.0.1:9"})
    async with fake_server(vendor, [Reply([Text("from workspace")])]) as fake:
        model = get_model(
            vendor,
            "m",
            settings=settings,
            api_key="workspace-key-5678",
            base_url=url_for(vendor, fake.base_url),
        )
        await collect(model)
    headers = " ".join(fake.requests[0].headers.values())
    assert "workspace-key-5678" in headers and "env-key" not in headers


async def test_openai_compatible_needs_a_base_url_and_no_key() -> None:
    settings = llm_settings(openai_api_key=SecretStr("sk-real-openai-key"))
    with pytest.raises(ProviderBadRequest) as caught:
        get_model("openai_compatible", "llama3.1", settings=settings)
    assert "base_url" in caught.value.message
    async with fake_server("openai", [Reply([Text("local")])]) as fake:
        model = get_model(
            "openai_compatible", "llama3.1", settings=settings, base_url=f"{fake.base_url}/v1"
        )
        events = await collect(model, HELLO)
    assert model.provider == "openai_compatible"
    assert events[0].model_dump()["text"] == "local"
    # The server-wide OpenAI key is never sent to a user-chosen server.
    assert "sk-real-openai-key" not in " ".join(fake.requests[0].headers.values())


@pytest.mark.parametrize(
    ("provider", "model", "base_url", "expected"),
    [
        ("mistral", "m", None, "Unknown provider 'mistral'"),
        ("openai", "  ", None, "Choose a model for this agent (OpenAI)"),
        ("openai", "gpt-4o", "ftp://example.invalid", "must be an http(s) URL"),
        ("openai_compatible", "m", "localhost:11434", "must be an http(s) URL"),
    ],
)
def test_bad_choices_are_bad_requests_saying_what_to_fix(
    provider: str, model: str, base_url: str | None, expected: str
) -> None:
    settings = llm_settings(openai_api_key=SecretStr("k"))
    with pytest.raises(ProviderBadRequest) as caught:
        get_model(provider, model, settings=settings, base_url=base_url)
    assert expected in caught.value.message


def test_sdk_clients_are_reused_per_key_and_server_with_sdk_retries_off() -> None:
    settings = llm_settings(openai_api_key=SecretStr("key-a"), google_api_key=SecretStr("key-g"))
    first = get_model("openai", "gpt-4o", settings=settings)
    second = get_model("openai", "gpt-4o-mini", settings=settings)
    other_key = get_model("openai", "gpt-4o", settings=settings, api_key="key-b")
    assert isinstance(first, OpenAIModel) and isinstance(second, OpenAIModel)
    assert isinstance(other_key, OpenAIModel)
    assert first.client is second.client
    assert other_key.client is not first.client
    assert first.client.max_retries == 0
    gemini = get_model("google", "gemini-2.5-flash", settings=settings)
    assert isinstance(gemini, GoogleModel)
    assert gemini.client is get_model("google", "gemini-2.5-pro", settings=settings).client
    for name in ("anthropic",):
        model = get_model(name, "claude-haiku-4-5", settings=settings, api_key="key-c")
        assert model.client.max_retries == 0


def test_list_providers_reports_how_each_is_configured() -> None:
    settings = llm_settings(anthropic_api_key=SecretStr("sk-ant-secret-value"))
    infos = {p.name: p for p in list_providers(settings, frozenset({"google"}))}
    assert set(infos) == {"anthropic", "openai", "openai_compatible", "google"}
    assert (infos["anthropic"].configured, infos["anthropic"].configured_via) == (
        True,
        "environment",
    )
    assert (infos["google"].configured, infos["google"].configured_via) == (True, "workspace")
    assert (infos["openai"].configured, infos["openai"].configured_via) == (False, None)
    assert "OPENAI_API_KEY" in infos["openai"].how_to_configure
    assert infos["openai_compatible"].configured is True
    assert "base_url" in infos["openai_compatible"].how_to_configure
    sonnet = next(m for m in infos["anthropic"].models if m.id == "claude-sonnet-4-5")
    assert (sonnet.input_usd_per_mtok, sonnet.output_usd_per_mtok) == (3.0, 15.0)
    assert infos["openai_compatible"].models == []
    assert "sk-ant-secret-value" not in str([p.model_dump() for p in infos.values()])


async def test_close_clients_closes_the_pools_and_later_calls_get_new_ones() -> None:
    settings = llm_settings(openai_api_key=SecretStr("key-close"))
    before = get_model("openai", "gpt-4o", settings=settings)
    assert isinstance(before, OpenAIModel)
    await close_clients()
    assert before.client.is_closed()
    after = get_model("openai", "gpt-4o", settings=settings)
    assert isinstance(after, OpenAIModel)
    assert after.client is not before.client and not after.client.is_closed()


def test_each_event_loop_gets_its_own_clients() -> None:
    """A pool's connections belong to one loop: a CLI running asyncio.run twice must not
    reuse the first (closed) loop's client."""
    settings = llm_settings(openai_api_key=SecretStr("key-loops"))

    async def two_models() -> tuple[object, object]:
        first = get_model("openai", "gpt-4o", settings=settings)
        second = get_model("openai", "gpt-4o", settings=settings)
        assert isinstance(first, OpenAIModel) and isinstance(second, OpenAIModel)
        return first.client, second.client

    a1, a2 = asyncio.run(two_models())
    b1, _ = asyncio.run(two_models())
    assert a1 is a2
    assert b1 is not a1
