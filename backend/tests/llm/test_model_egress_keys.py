"""A workspace provider key goes only to the server it was saved for.

An admin saves the key with its base URL; any member can set an agent's model_config.base_url.
An `openai_compatible` agent aimed at another origin runs without the key, and a 401 from that
server is a coded error that says why. Both servers are loopback fakes on the allowlist, run
through a real playground turn.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from fastapi import FastAPI

from app.agents.models import Agent
from app.llm.registry import ModelFactory
from tests.fakes.openai_server import FakeOpenAI
from tests.fakes.server import HttpError
from tests.llm.test_model_egress_api import (  # noqa: F401 (fixtures)
    Swap,
    run_models,
    save_guard,
    stored_agent,
    stored_provider_key,
)
from tests.playground.conftest import open_playground, server_url  # noqa: F401 (fixtures)

KEY = "sk-workspace-0123456789"  # what stored_provider_key saves


def sent_key(server: FakeOpenAI) -> bool:
    return any(KEY in str(r.headers) or KEY.encode() in r.body for r in server.requests)


@pytest.mark.parametrize("other_needs_a_key", [False, True])
async def test_the_workspace_key_is_not_sent_to_an_agent_aimed_at_another_server(
    app: FastAPI,
    server_url: str,  # noqa: F811
    api_token: str,
    save_guard: Swap,  # noqa: F811
    run_models: Callable[..., None],  # noqa: F811
    other_needs_a_key: bool,
) -> None:
    script = [HttpError(401)] * 3 if other_needs_a_key else []
    async with FakeOpenAI() as saved_for, FakeOpenAI(script, auto=True) as other:
        save_guard(allow=(f"127.0.0.1:{saved_for.port}", f"127.0.0.1:{other.port}"))
        run_models()
        await stored_provider_key(app, "openai_compatible", f"{saved_for.base_url}/v1")
        agent_id = await stored_agent(app, "openai_compatible", f"{other.base_url}/v1")
        async with open_playground(server_url, agent_id, api_token) as playground:
            frames = await playground.turn("hello")
    assert other.requests, "the agent's own server was asked"
    assert not sent_key(other)
    assert not saved_for.requests
    assert KEY not in str(frames)
    last = frames[-1]
    if other_needs_a_key:
        assert (last["type"], last["code"]) == ("error", "provider_key_not_sent"), frames
        assert f"saved for {saved_for.base_url}" in last["message"]
        assert other.base_url in last["message"]
    else:
        assert last["type"] != "error", frames  # a server that needs no key still works


async def test_the_workspace_key_is_sent_to_an_agent_on_the_origin_it_was_saved_for(
    app: FastAPI,
    server_url: str,  # noqa: F811
    api_token: str,
    save_guard: Swap,  # noqa: F811
    run_models: Callable[..., None],  # noqa: F811
) -> None:
    async with FakeOpenAI(auto=True) as server:
        save_guard(allow=(f"127.0.0.1:{server.port}",))
        run_models()
        await stored_provider_key(app, "openai_compatible", f"{server.base_url}/v1")
        agent_id = await stored_agent(app, "openai_compatible", f"{server.base_url}/v1/")
        async with open_playground(server_url, agent_id, api_token) as playground:
            frames = await playground.turn("hello")
    assert frames[-1]["type"] != "error", frames
    assert server.requests[0].headers["authorization"] == f"Bearer {KEY}"


async def test_the_choice_names_where_a_withheld_key_was_saved_for(app: FastAPI) -> None:
    async def keys(*_: object) -> tuple[str | None, str | None]:
        return KEY, "https://models.example/v1"

    factory = ModelFactory(app.state.settings, app.state.models.egress, keys=keys)
    agent_id = await stored_agent(app, "openai_compatible", "https://MODELS.example:443/other")
    async with app.state.sessionmaker() as session:
        agent = await session.get(Agent, agent_id)
        assert agent is not None
        same = await factory.choose(session, agent)
        agent.llm_config = {"base_url": "https://models.example.attacker.test/v1"}
        elsewhere = await factory.choose(session, agent)
        agent.llm_config = {"base_url": "http://models.example/v1"}
        other_scheme = await factory.choose(session, agent)
    assert (same.api_key, same.key_withheld_for) == (KEY, None)
    assert (elsewhere.api_key, elsewhere.key_withheld_for) == (None, "https://models.example")
    assert other_scheme.api_key is None
