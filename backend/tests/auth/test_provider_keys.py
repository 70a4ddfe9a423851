"""Provider API keys per workspace: stored encrypted, shown masked, used by that workspace
only, managed by owners and admins."""

from __future__ import annotations

from collections.abc import AsyncIterator
from types import SimpleNamespace
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from pydantic import SecretStr
from sqlalchemy import select

from app.agents.models import Agent
from app.auth.principal import Principal
from app.auth.provider_keys import workspace_configured_providers, workspace_provider_key
from app.config import Settings
from app.credentials.models import EncryptedCredential
from app.llm.messages import UserMessage
from app.llm.registry import ModelFactory
from app.runs.models import default_model_factory
from app.tools.egress import EgressGuard
from tests.conftest import OWNER_A, OWNER_B
from tests.fakes.openai_server import FakeOpenAI
from tests.fakes.server import Reply, Text
from tests.llm.conftest import LOCAL

KEYS = "/api/v1/workspace/provider-keys"
SECRET = "sk-live-" + "a1b2c3d4" * 5


@pytest.fixture
async def allow_loopback(app: FastAPI) -> AsyncIterator[None]:
    """Base URLs are checked when saved: let this test's 127.0.0.1 URLs through."""
    saved = app.state.egress
    settings = app.state.settings.model_copy(update={"tool_allowed_private_hosts": "127.0.0.1"})
    app.state.egress = EgressGuard(settings)
    yield
    await app.state.egress.aclose()
    app.state.egress = saved


@pytest.mark.usefixtures("allow_loopback")
async def test_put_list_delete(app: FastAPI, client: httpx.AsyncClient) -> None:
    listed = (await client.get(KEYS)).json()["items"]
    assert {k["provider"] for k in listed} == {"anthropic", "openai", "openai_compatible", "google"}
    assert not any(k["configured"] for k in listed)

    put = await client.put(
        f"{KEYS}/openai", json={"api_key": SECRET, "base_url": "http://127.0.0.1:9/v1"}
    )
    assert put.status_code == 200, put.text
    body = put.json()
    assert body["configured"] is True and body["base_url"] == "http://127.0.0.1:9/v1"
    assert body["masked_key"].endswith(SECRET[-4:]) and SECRET not in put.text
    assert body["updated_at"] is not None

    listed_text = (await client.get(KEYS)).text
    assert SECRET not in listed_text and SECRET[8:-4] not in listed_text
    async with app.state.sessionmaker() as session:
        rows = list(await session.scalars(select(EncryptedCredential)))
        assert len(rows) == 1 and SECRET.encode() not in rows[0].ciphertext
        assert await workspace_provider_key(session, OWNER_A.workspace_id, "openai") == (
            SECRET,
            "http://127.0.0.1:9/v1",
        )
        assert await workspace_configured_providers(session, OWNER_A.workspace_id) == {"openai"}

    # Replacing keeps one row; the base URL may be cleared.
    replaced = await client.put(f"{KEYS}/openai", json={"api_key": "sk-other-" + "z" * 30})
    assert replaced.json()["base_url"] is None
    async with app.state.sessionmaker() as session:
        assert len(list(await session.scalars(select(EncryptedCredential)))) == 1
        key, base_url = await workspace_provider_key(session, OWNER_A.workspace_id, "openai")
        assert key == "sk-other-" + "z" * 30 and base_url is None

    assert (await client.delete(f"{KEYS}/openai")).status_code == 204
    missing = await client.delete(f"{KEYS}/openai")
    assert missing.status_code == 404
    assert missing.json()["error"]["code"] == "not_found:provider_key"
    async with app.state.sessionmaker() as session:
        assert await workspace_provider_key(session, OWNER_A.workspace_id, "openai") == (
            None,
            None,
        )


async def test_keys_belong_to_one_workspace(
    app: FastAPI, client: httpx.AsyncClient, other_client: httpx.AsyncClient
) -> None:
    await client.put(f"{KEYS}/anthropic", json={"api_key": SECRET})
    other = (await other_client.get(KEYS)).json()["items"]
    assert not any(k["configured"] for k in other)
    assert (await other_client.delete(f"{KEYS}/anthropic")).status_code == 404
    async with app.state.sessionmaker() as session:
        assert await workspace_provider_key(session, OWNER_B.workspace_id, "anthropic") == (
            None,
            None,
        )
        assert (await workspace_provider_key(session, OWNER_A.workspace_id, "anthropic"))[0]


async def test_validation(client: httpx.AsyncClient) -> None:
    unknown = await client.put(f"{KEYS}/nope", json={"api_key": SECRET})
    assert unknown.status_code == 422
    empty = await client.put(f"{KEYS}/openai", json={"api_key": ""})
    assert empty.status_code == 422
    bad_url = await client.put(f"{KEYS}/openai", json={"api_key": SECRET, "base_url": "ftp://x"})
    assert bad_url.status_code == 422
    assert SECRET not in bad_url.text
    assert not any(k["configured"] for k in (await client.get(KEYS)).json()["items"])


async def _ask(model_factory: Any, agent: Agent, session: Any, principal: Principal) -> None:
    """Build the agent's model as a run does and make one call."""
    model = await model_factory(agent, session, principal)
    async for _ in model.stream([UserMessage(content="hi")]):
        pass


async def test_a_workspace_key_goes_ahead_of_the_environment_key(
    app: FastAPI, settings: Settings, client: httpx.AsyncClient
) -> None:
    """Through the real model factory and OpenAI SDK against a local fake OpenAI server:
    workspace A's stored key is sent for A's agents, the environment's key for B's."""
    async with FakeOpenAI() as fake:
        env_settings = settings.model_copy(
            update={
                "openai_api_key": SecretStr("sk-env-" + "e" * 30),
                "openai_base_url": f"{fake.base_url}/v1",
                "llm_max_retries": 0,
            }
        )
        fake.script = [Reply([Text("from A")]), Reply([Text("from B")])]
        await client.put(f"{KEYS}/openai", json={"api_key": SECRET})
        models = ModelFactory(env_settings, LOCAL, keys=workspace_provider_key)
        build = default_model_factory(SimpleNamespace(models=models))
        async with app.state.sessionmaker() as session:
            for ident in (OWNER_A, OWNER_B):
                agent = Agent(
                    workspace_id=ident.workspace_id, name="a", provider="openai", model="gpt-4o"
                )
                principal = Principal(workspace_id=ident.workspace_id, user_id=ident.user_id)
                await _ask(build, agent, session, principal)
    keys = [r.headers["authorization"] for r in fake.requests]
    assert keys == [f"Bearer {SECRET}", "Bearer sk-env-" + "e" * 30]
