"""The agent's model: a user-given OpenAI-compatible server URL is checked like a tool URL."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from fastapi import FastAPI
from pydantic import SecretStr
from sqlalchemy.ext.asyncio import AsyncSession

from app.agents.models import Agent
from app.auth.deps import Principal
from app.config import Settings
from app.llm.base import Model
from app.llm.messages import UserMessage
from app.runs.models import default_model_factory
from app.tools.egress import EgressBlocked, EgressGuard
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


async def _build(settings: Settings, app: FastAPI, base_url: str) -> Model:
    guard = EgressGuard(settings)
    try:
        build = default_model_factory(settings, SimpleNamespace(egress=guard))
        async with app.state.sessionmaker() as session:
            assert isinstance(session, AsyncSession)
            return await build(_agent(base_url), session, PRINCIPAL)
    finally:
        await guard.aclose()


@pytest.mark.parametrize(
    "base_url",
    [
        "http://169.254.169.254/v1",  # cloud metadata
        "http://10.0.0.5:11434/v1",  # private network
        "http://[::ffff:127.0.0.1]:11434/v1",  # IPv4-mapped loopback
        "http://0x7f000001:11434/v1",  # hex loopback
    ],
)
async def test_private_model_servers_are_refused_before_connecting(
    app: FastAPI, settings: Settings, base_url: str
) -> None:
    with pytest.raises(EgressBlocked, match="TOOL_ALLOWED_PRIVATE_HOSTS"):
        await _build(settings, app, base_url)


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
        model = await _build(allowed, app, f"{fake.base_url}/v1")
        text = ""
        async for event in model.stream([UserMessage(content="hi")]):
            text += getattr(event, "text", "")
    assert text == "hello from llama"
    assert len(fake.requests) == 1
