"""Model server URLs through the API: refused when saved (provider key, agent) with the setting
that allows them named, and refused at run time by every caller (the playground over the
WebSocket, a tool's pre/post-process prompt, the tool test endpoint) with a coded error, never
`internal_error`. Loopback canaries not on the allowlist must see no connection; names resolve
through an injected table only.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from pydantic import SecretStr

from app.agents.models import Agent
from app.auth.provider_keys import KIND, workspace_provider_key
from app.credentials import service as credentials
from app.llm.registry import ModelFactory
from app.llm.testing import ScriptedModel, text, tool_call
from app.tools.egress import EgressGuard
from app.tools.egress_transport import ModelEgress
from app.tools.registry import load_agent_tools
from app.tools.runtime import ToolRuntime
from tests.canary import Canary
from tests.conftest import OWNER_A
from tests.fakes.http_tool_server import FakeToolServer, json_reply
from tests.playground.conftest import (  # noqa: F401 (fixtures)
    ModelChoice,
    add_integration,
    open_playground,
    server_url,
    use_model,
)
from tests.tools.conftest import fake_resolver

KEYS = "/api/v1/workspace/provider-keys"
AGENTS = "/api/v1/agents"
PROVIDERS = ("openai", "anthropic", "google", "openai_compatible")
ODD_SPELLINGS = [
    "http://0177.0.0.1/v1",
    "http://010.0.0.1",
    "http://0x7f.1/v1",
    "http://2130706433/",
]
ENV = {
    "openai": ("openai_api_key", "openai_base_url"),
    "anthropic": ("anthropic_api_key", "anthropic_base_url"),
    "google": ("google_api_key", "google_gemini_base_url"),
}
Swap = Callable[..., EgressGuard]


@pytest.fixture
async def save_guard(app: FastAPI) -> AsyncIterator[Swap]:
    """swap(allow=..., table=...): the guard that checks URLs when they are saved."""
    saved = app.state.egress
    made: list[EgressGuard] = []

    def swap(allow: tuple[str, ...] = (), table: dict[str, list[str]] | None = None) -> EgressGuard:
        settings = app.state.settings.model_copy(
            update={"tool_allowed_private_hosts": ",".join(allow)}
        )
        guard = EgressGuard(settings, resolver=fake_resolver(table or {}))
        made.append(guard)
        app.state.egress = guard
        return guard

    yield swap
    app.state.egress = saved
    for guard in made:
        await guard.aclose()


def url_for(provider: str, origin: str) -> str:
    return origin if provider in ("anthropic", "google") else f"{origin}/v1"


def assert_error(response: httpx.Response, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    error: dict[str, Any] = response.json()["error"]
    assert error["code"] == code, error
    return error


# -- save time: provider keys ------------------------------------------------------------------


@pytest.mark.parametrize("provider", PROVIDERS)
async def test_a_provider_key_on_a_loopback_server_is_refused_naming_the_setting(
    client: httpx.AsyncClient, canary: Canary, provider: str
) -> None:
    url = url_for(provider, f"http://127.0.0.1:{canary.port}")
    response = await client.put(
        f"{KEYS}/{provider}", json={"api_key": "sk-test-0123456789", "base_url": url}
    )
    error = assert_error(response, 400, "egress_blocked")
    assert f"add '127.0.0.1:{canary.port}' to TOOL_ALLOWED_PRIVATE_HOSTS" in error["message"]
    assert error["details"]["setting"] == "TOOL_ALLOWED_PRIVATE_HOSTS"
    assert "sk-test-0123456789" not in response.text
    assert not any(k["configured"] for k in (await client.get(KEYS)).json()["items"])
    assert canary.connections == 0


@pytest.mark.parametrize(
    ("host", "address"),
    [
        ("metadata.example", "169.254.169.254"),
        ("intranet.example", "10.1.2.3"),
        ("router.example", "192.168.0.1"),
    ],
)
async def test_a_provider_key_on_a_name_resolving_to_a_private_address_is_refused(
    client: httpx.AsyncClient, save_guard: Swap, host: str, address: str
) -> None:
    save_guard(table={host: [address]})
    response = await client.put(
        f"{KEYS}/openai", json={"api_key": "sk-test-0123456789", "base_url": f"http://{host}/v1"}
    )
    error = assert_error(response, 400, "egress_blocked")
    assert error["details"]["address"] == address
    assert "TOOL_ALLOWED_PRIVATE_HOSTS" in error["message"]


@pytest.mark.parametrize("url", ODD_SPELLINGS)
async def test_a_provider_key_with_an_odd_ip_spelling_is_a_4xx_not_a_500(
    client: httpx.AsyncClient, save_guard: Swap, url: str
) -> None:
    save_guard(allow=("127.0.0.1", "10.0.0.1", "8.0.0.1"))  # the spelling alone is refused
    response = await client.put(
        f"{KEYS}/openai", json={"api_key": "sk-test-0123456789", "base_url": url}
    )
    error = assert_error(response, 422, "validation_error")
    assert "base_url" in error["message"]
    assert not any(k["configured"] for k in (await client.get(KEYS)).json()["items"])


async def test_a_server_that_does_not_resolve_now_can_be_saved(
    client: httpx.AsyncClient, save_guard: Swap
) -> None:
    """An offline server is accepted when saved: every request to it is checked when sent."""
    save_guard(table={})
    url = "http://ollama.invalid:11434/v1"
    response = await client.put(
        f"{KEYS}/openai_compatible", json={"api_key": "sk-test-0123456789", "base_url": url}
    )
    assert response.status_code == 200, response.text
    assert response.json()["base_url"] == url


async def test_an_allowlisted_server_can_be_saved(
    client: httpx.AsyncClient, save_guard: Swap, canary: Canary
) -> None:
    save_guard(allow=(f"127.0.0.1:{canary.port}",))
    url = f"http://127.0.0.1:{canary.port}/v1"
    response = await client.put(
        f"{KEYS}/openai", json={"api_key": "sk-test-0123456789", "base_url": url}
    )
    assert response.status_code == 200, response.text
    assert canary.connections == 0  # saving checks the address; it does not connect


# -- save time: agents -------------------------------------------------------------------------


def compatible_agent(base_url: str) -> dict[str, Any]:
    return {
        "name": "Local",
        "provider": "openai_compatible",
        "model": "llama3",
        "model_config": {"base_url": base_url},
    }


async def test_an_agent_on_a_loopback_server_is_refused_when_created(
    client: httpx.AsyncClient, canary: Canary
) -> None:
    response = await client.post(
        AGENTS, json=compatible_agent(f"http://127.0.0.1:{canary.port}/v1")
    )
    error = assert_error(response, 400, "egress_blocked")
    assert "TOOL_ALLOWED_PRIVATE_HOSTS" in error["message"]
    assert (await client.get(AGENTS)).json()["total"] == 0


async def test_an_agent_patched_to_a_private_server_is_refused_and_unchanged(
    client: httpx.AsyncClient, save_guard: Swap
) -> None:
    save_guard(table={"ollama.example": ["93.184.216.34"], "intranet.example": ["10.9.8.7"]})
    created = await client.post(AGENTS, json=compatible_agent("http://ollama.example:11434/v1"))
    assert created.status_code == 201, created.text
    agent = created.json()
    response = await client.patch(
        f"{AGENTS}/{agent['id']}", json={"model_config": {"base_url": "http://intranet.example/v1"}}
    )
    assert assert_error(response, 400, "egress_blocked")["details"]["address"] == "10.9.8.7"
    assert (await client.get(f"{AGENTS}/{agent['id']}")).json() == agent


async def test_switching_an_agent_to_openai_compatible_checks_its_stored_url(
    app: FastAPI, client: httpx.AsyncClient, canary: Canary
) -> None:
    agent_id = await stored_agent(app, "openai", f"http://127.0.0.1:{canary.port}/v1")
    before = (await client.get(f"{AGENTS}/{agent_id}")).json()
    response = await client.patch(f"{AGENTS}/{agent_id}", json={"provider": "openai_compatible"})
    assert_error(response, 400, "egress_blocked")
    assert (await client.get(f"{AGENTS}/{agent_id}")).json() == before


@pytest.mark.parametrize("url", ODD_SPELLINGS)
async def test_an_agent_url_with_an_odd_ip_spelling_is_a_422(
    client: httpx.AsyncClient, save_guard: Swap, url: str
) -> None:
    save_guard(allow=("127.0.0.1", "10.0.0.1", "8.0.0.1"))
    created = await client.post(AGENTS, json=compatible_agent(url))
    assert "model_config.base_url" in assert_error(created, 422, "validation_error")["message"]
    agent = (await client.post(AGENTS, json={**compatible_agent("http://10.0.0.1/v1")})).json()
    patched = await client.patch(
        f"{AGENTS}/{agent['id']}", json={"model_config": {"base_url": url}}
    )
    assert_error(patched, 422, "validation_error")
    assert (await client.get(f"{AGENTS}/{agent['id']}")).json() == agent


async def test_an_agent_whose_server_does_not_resolve_now_can_be_created(
    client: httpx.AsyncClient, save_guard: Swap
) -> None:
    save_guard(table={})
    response = await client.post(AGENTS, json=compatible_agent("http://gpu-box.invalid:8000/v1"))
    assert response.status_code == 201, response.text


# -- run time: the playground ------------------------------------------------------------------


async def stored_agent(app: FastAPI, provider: str, base_url: str | None = None) -> uuid.UUID:
    """An agent row as it may be stored: saved before the allowlist changed, or by an older
    version (the API would refuse these URLs now)."""
    async with app.state.sessionmaker() as session:
        agent = Agent(
            workspace_id=OWNER_A.workspace_id,
            name="stored",
            provider=provider,
            model="test-model",
            llm_config={"base_url": base_url} if base_url else {},
        )
        session.add(agent)
        await session.commit()
        return agent.id


async def stored_provider_key(app: FastAPI, provider: str, base_url: str) -> None:
    async with app.state.sessionmaker() as session:
        await credentials.store_secret(
            session,
            OWNER_A.workspace_id,
            KIND,
            {"api_key": "sk-workspace-0123456789"},
            {"provider": provider, "base_url": base_url, "masked_key": "sk-…6789"},
        )
        await session.commit()


@pytest.fixture
def run_models(app: FastAPI) -> Iterator[Callable[..., None]]:
    """run_models(**settings): the app builds run models with these settings (restored)."""
    saved = app.state.models

    def use(**overrides: Any) -> None:
        settings = app.state.settings.model_copy(update=overrides)
        app.state.models = ModelFactory(
            settings, ModelEgress(app.state.egress), keys=workspace_provider_key
        )

    yield use
    app.state.models = saved


RUN_ENTRIES = [
    *((p, "environment") for p in ENV),
    *((p, "provider_key") for p in PROVIDERS),
    ("openai_compatible", "agent"),
]


@pytest.mark.parametrize(("provider", "entry"), RUN_ENTRIES)
async def test_a_playground_run_on_a_refused_server_gets_a_coded_error_frame(
    app: FastAPI,
    server_url: str,  # noqa: F811
    api_token: str,
    canary: Canary,
    run_models: Callable[..., None],
    provider: str,
    entry: str,
) -> None:
    url = url_for(provider, f"http://127.0.0.1:{canary.port}")
    if entry == "environment":
        key_field, url_field = ENV[provider]
        run_models(**{key_field: SecretStr("sk-env-0123456789"), url_field: url})
    elif entry == "provider_key":
        await stored_provider_key(app, provider, url)
    agent_id = await stored_agent(app, provider, url if entry == "agent" else None)
    async with open_playground(server_url, agent_id, api_token) as playground:
        frames = await playground.turn("hello")
    error = frames[-1]
    assert error["type"] == "error" and error["code"] == "egress_blocked", frames
    assert error["retryable"] is False
    assert "TOOL_ALLOWED_PRIVATE_HOSTS" in error["message"]
    assert "sk-" not in str(frames)
    assert canary.connections == 0


async def test_a_stored_key_with_leading_zero_octets_is_a_coded_error_not_a_500(
    app: FastAPI,
    client: httpx.AsyncClient,
    server_url: str,  # noqa: F811
    api_token: str,
) -> None:
    """A key saved before URLs were checked (the API refuses this spelling now)."""
    await stored_provider_key(app, "openai", "http://0177.0.0.1/v1")
    agent_id = await stored_agent(app, "openai")
    async with open_playground(server_url, agent_id, api_token) as playground:
        frames = await playground.turn("hello")
    assert (frames[-1]["type"], frames[-1]["code"]) == ("error", "egress_blocked"), frames
    assert "0177.0.0.1" in frames[-1]["message"]
    tool = await tool_with_prompt(client, agent_id, "http://127.0.0.1:9", preprocess="Tidy.")
    tested = await client.post(f"/api/v1/tools/{tool['id']}/test", json={"arguments": {}})
    assert_error(tested, 400, "egress_blocked")


# -- run time: a tool's pre/post-process prompt, in a run and in the tool test endpoint ---------


async def tool_with_prompt(
    client: httpx.AsyncClient, agent_id: uuid.UUID, api_url: str, **prompt: str
) -> dict[str, Any]:
    [tool] = await add_integration(
        client,
        agent_id,
        {"name": "Local API", "base_url": api_url, "auth_type": "none"},
        {
            "name": "lookup",
            "description": "Look something up",
            "method": "GET",
            "path": "/lookup",
            "input_schema": {"type": "object", "properties": {"q": {"type": "string"}}},
            **prompt,
        },
    )
    return tool


@pytest.fixture
def tool_server() -> Iterator[FakeToolServer]:
    with FakeToolServer() as server:
        server.route("GET", "/lookup", lambda r: json_reply(200, {"answer": 42}))
        yield server


@pytest.fixture
async def tools_reach(app: FastAPI) -> AsyncIterator[Callable[[int], None]]:
    """tools_reach(port): the app's tools may call 127.0.0.1:port (that port only)."""
    saved: ToolRuntime = app.state.tool_runtime
    guards: list[EgressGuard] = []

    def allow(port: int) -> None:
        settings = app.state.settings.model_copy(
            update={"tool_allowed_private_hosts": f"127.0.0.1:{port}"}
        )
        guards.append(EgressGuard(settings))
        app.state.tool_runtime = ToolRuntime(
            saved.settings, saved.sessionmaker, saved.redis, guards[-1]
        )

    yield allow
    app.state.tool_runtime = saved
    for guard in guards:
        await guard.aclose()


async def test_the_tool_test_endpoint_refuses_a_preprocess_model_on_a_refused_server(
    app: FastAPI, client: httpx.AsyncClient, canary: Canary, tool_server: FakeToolServer
) -> None:
    agent_id = await stored_agent(app, "openai_compatible", f"http://127.0.0.1:{canary.port}/v1")
    tool = await tool_with_prompt(client, agent_id, tool_server.url, preprocess="Clean it up.")
    response = await client.post(f"/api/v1/tools/{tool['id']}/test", json={"arguments": {}})
    error = assert_error(response, 400, "egress_blocked")
    assert "TOOL_ALLOWED_PRIVATE_HOSTS" in error["message"]
    assert canary.connections == 0 and tool_server.requests == []


@pytest.mark.parametrize("provider", ["openai", "anthropic", "google"])
async def test_the_tool_test_endpoint_refuses_a_postprocess_model_on_a_refused_key_url(
    app: FastAPI,
    client: httpx.AsyncClient,
    canary: Canary,
    tool_server: FakeToolServer,
    tools_reach: Callable[[int], None],
    provider: str,
) -> None:
    tools_reach(tool_server.port)
    await stored_provider_key(app, provider, url_for(provider, f"http://127.0.0.1:{canary.port}"))
    agent_id = await stored_agent(app, provider)
    tool = await tool_with_prompt(client, agent_id, tool_server.url, postprocess="Summarise.")
    response = await client.post(f"/api/v1/tools/{tool['id']}/test", json={"arguments": {}})
    assert_error(response, 400, "egress_blocked")
    assert len(tool_server.requests) == 1  # the API call ran; its summary was refused
    assert canary.connections == 0


async def test_a_tool_preprocess_in_a_run_reports_the_refusal_in_its_result(
    app: FastAPI,
    client: httpx.AsyncClient,
    server_url: str,  # noqa: F811
    api_token: str,
    canary: Canary,
    tool_server: FakeToolServer,
    use_model: ModelChoice,  # noqa: F811
) -> None:
    agent_id = await stored_agent(app, "openai_compatible", f"http://127.0.0.1:{canary.port}/v1")
    await tool_with_prompt(client, agent_id, tool_server.url, preprocess="Clean it up.")
    async with app.state.sessionmaker() as session:
        tools = list(await load_agent_tools(session, agent_id, app.state.tool_runtime))
    # The agent's answers are scripted; the tool's prompt uses the agent's (refused) server.
    use_model(
        ScriptedModel([[tool_call("lookup", {"q": "x"})], [text("The lookup failed.")]]), tools
    )
    async with open_playground(server_url, agent_id, api_token) as playground:
        frames = await playground.turn("look it up")
    [done] = [f for f in frames if f["type"] == "tool_use_complete"]
    assert done["is_error"] is True and "egress_blocked" in str(done["result"])
    assert frames[-1]["type"] == "message_complete"
    assert canary.connections == 0 and tool_server.requests == []
