"""The run's model hook: app.state.models builds the agent's model, on the egress guard."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from fastapi import FastAPI
from pydantic import SecretStr
from sqlalchemy.ext.asyncio import AsyncSession

from app.agents.models import Agent
from app.auth.deps import Principal
from app.auth.provider_keys import workspace_provider_key
from app.config import Settings
from app.llm.base import Model
from app.llm.errors import ProviderEgressBlocked
from app.llm.messages import UserMessage
from app.llm.registry import ModelFactory
from app.runs.models import default_model_factory
from app.tools.egress import EgressGuard
from app.tools.egress_transport import ModelEgress
from tests.conftest import OWNER_A
from tests.fakes.openai_server import FakeOpenAI, Reply, Text

PRINCIPAL = Principal(workspace_id=OWNER_A.workspace_id, user_id=OWNER_A.user_id)


def _agent(base_url: str) -> Agent:
    return Agent(
        workspace_id=OWNER_A.workspace_id,
        name="local",
        provider="openai_compatible",
        model="llama3",
        llm_config={"base_url": base_url},
    )


async def _build(settings: Settings, app: FastAPI, guard: EgressGuard, base_url: str) -> Model:
    models = ModelFactory(settings, ModelEgress(guard), keys=workspace_provider_key)
    build = default_model_factory(SimpleNamespace(models=models))
    async with app.state.sessionmaker() as session:
        assert isinstance(session, AsyncSession)
        return await build(_agent(base_url), session, PRINCIPAL)


async def _ask(model: Model) -> str:
    text = ""
    async for event in model.stream([UserMessage(content="hi")]):
        text += getattr(event, "text", "")
    return text


@pytest.mark.parametrize(
    "base_url",
    [
        "http://169.254.169.254/v1",  # cloud metadata
        "http://10.0.0.5:11434/v1",  # private network
        "http://[::ffff:127.0.0.1]:11434/v1",  # IPv4-mapped loopback
    ],
)
async def test_private_model_servers_are_refused_before_connecting(
    app: FastAPI, settings: Settings, base_url: str
) -> None:
    guard = EgressGuard(settings.model_copy(update={"llm_max_retries": 0}))
    try:
        model = await _build(settings, app, guard, base_url)
        with pytest.raises(ProviderEgressBlocked, match="TOOL_ALLOWED_PRIVATE_HOSTS"):
            await _ask(model)
    finally:
        await guard.aclose()


async def test_an_allowlisted_local_server_is_used(app: FastAPI, settings: Settings) -> None:
    async with FakeOpenAI() as fake:
        fake.script = [Reply([Text("hello from llama")])]
        allowed = settings.model_copy(
            update={
                "tool_allowed_private_hosts": "127.0.0.1",
                "llm_max_retries": 0,
                "openai_api_key": SecretStr(""),
            }
        )
        guard = EgressGuard(allowed)
        try:
            text = await _ask(await _build(allowed, app, guard, f"{fake.base_url}/v1"))
        finally:
            await guard.aclose()
    assert text == "hello from llama"
    assert len(fake.requests) == 1
