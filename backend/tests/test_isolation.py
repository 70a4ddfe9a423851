"""Workspace isolation, driven by the app's route table so routes added later are covered.

Workspace A owns one of everything (agent, integration with a stored credential, tool,
conversation, message, trace, deployment, provider key, a second member, an open invitation,
API keys). The owner of workspace B then calls every route and method with A's ids: each
answers exactly as it does for an id that does not exist (404 with the same error code), no
response carries any of A's data, and A's data is intact afterwards. Every non-public route
also refuses anonymous callers. A route with an id parameter this matrix does not know fails
the test: add the parameter to `ids_of` below.
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from fastapi.routing import APIRoute, APIWebSocketRoute, iter_route_contexts
from starlette.testclient import TestClient
from starlette.websockets import WebSocketDisconnect

from app.agents.models import Agent
from app.config import Settings
from app.conversations.models import Conversation, Message
from app.credentials import service as credentials
from app.deployments.models import Deployment
from app.integrations.models import Integration, Tool
from app.llm.testing import ScriptedModel, text
from app.main import create_app
from app.traces.models import ExecutionTrace
from tests.auth.conftest import invite, join_workspace
from tests.conftest import OWNER_A, OWNER_B

PUBLIC = {
    "/health",
    "/api/v1/auth/status",
    "/api/v1/auth/setup",
    "/api/v1/auth/login",
    "/api/v1/auth/refresh",
    "/api/v1/auth/accept-invite",
    "/api/v1/auth/invitations/lookup",
    "/api/v1/auth/invitations/decline",
}
MARK = "zq" + uuid.uuid4().hex[:12]  # appears in every text field of A's data
SECRETS = {"credential": f"cred-secret-{MARK}", "provider": f"sk-provider-secret-{MARK}"}
PARAM = re.compile(r"{(\w+)(?::\w+)?}")


@dataclass
class WorkspaceAData:
    ids: dict[str, uuid.UUID]
    provider_key_masked: str

    def strings(self) -> set[str]:
        """What must never show up in a response to workspace B."""
        return {MARK, *SECRETS.values(), *(str(v) for k, v in self.ids.items() if k != "user")}


def ids_of(data: WorkspaceAData) -> dict[str, uuid.UUID]:
    """Path parameter name -> A's id for it."""
    i = data.ids
    return {
        "agent_id": i["agent"],
        "integration_id": i["integration"],
        "tool_id": i["tool"],
        "conversation_id": i["conversation"],
        "message_id": i["message"],
        "trace_id": i["trace"],
        "credential_id": i["credential"],
        "deployment_id": i["deployment"],
        "user_id": i["member"],
        "member_id": i["member"],
        "key_id": i["api_key"],
        "api_key_id": i["api_key"],
        "invitation_id": i["invitation"],
    }


# Path parameters that are not ids: the route acts on the caller's own workspace.
NON_ID_PARAMS = {"provider": "openai"}


async def _seed_workspace_a(app: FastAPI, client: httpx.AsyncClient) -> WorkspaceAData:
    async with app.state.sessionmaker() as session:
        agent = Agent(
            workspace_id=OWNER_A.workspace_id,
            name=f"agent {MARK}",
            description=f"about {MARK}",
            system_prompt=f"prompt {MARK}",
            provider="openai",
            model="gpt-4o-mini",
        )
        session.add(agent)
        await session.flush()
        credential = await credentials.store_secret(
            session, OWNER_A.workspace_id, "api_key", {"api_key": SECRETS["credential"]}
        )
        integration = Integration(
            agent_id=agent.id,
            name=f"integration {MARK}",
            base_url="http://127.0.0.1:9",
            auth_type="api_key",
            auth_config={"header": "X-Key", "in": "header", "name": "X-Key"},
            credential_id=credential.id,
        )
        session.add(integration)
        await session.flush()
        tool = Tool(
            integration_id=integration.id,
            agent_id=agent.id,
            name=f"tool_{MARK}",
            description=f"tool {MARK}",
            input_schema={"type": "object", "properties": {}},
        )
        conversation = Conversation(agent_id=agent.id, title=f"chat {MARK}")
        session.add_all([tool, conversation])
        await session.flush()
        message = Message(conversation_id=conversation.id, seq=1, role="user", content=MARK)
        session.add(message)
        await session.flush()
        trace = ExecutionTrace(
            conversation_id=conversation.id, message_id=message.id, kind="run", name=MARK
        )
        deployment = Deployment(agent_id=agent.id, channel="api", config={"note": MARK})
        session.add_all([trace, deployment])
        await session.commit()
        ids = {
            "agent": agent.id,
            "integration": integration.id,
            "tool": tool.id,
            "conversation": conversation.id,
            "message": message.id,
            "trace": trace.id,
            "credential": credential.id,
            "deployment": deployment.id,
        }
    put = await client.put(
        "/api/v1/workspace/provider-keys/openai", json={"api_key": SECRETS["provider"]}
    )
    assert put.status_code == 200
    member = await join_workspace(
        app, client, f"{MARK}@example.com", role="admin", name=f"member {MARK}"
    )
    invitation = await invite(client, f"invited-{MARK}@example.com")
    key = await client.post("/api/v1/workspace/api-keys", json={"name": f"key {MARK}"})
    assert key.status_code == 201
    ids["member"] = uuid.UUID(member["user"]["id"])
    ids["invitation"] = uuid.UUID(invitation["id"])
    ids["api_key"] = uuid.UUID(key.json()["id"])
    ids["user"] = OWNER_A.user_id
    return WorkspaceAData(ids=ids, provider_key_masked=put.json()["masked_key"])


def _api_routes(app: FastAPI) -> Iterator[tuple[str, str, APIRoute]]:
    for context in iter_route_contexts(app.routes):
        route = context.original_route
        if isinstance(route, APIRoute) and context.path:
            for method in sorted(route.methods or ()):
                yield method, context.path, route


def _sample(schema: dict[str, Any], components: dict[str, Any], depth: int = 0) -> Any:
    """A value that satisfies the common cases of a JSON schema (enough to get past body
    validation, so the id lookup is what answers)."""
    if "$ref" in schema:
        return _sample(components[schema["$ref"].rsplit("/", 1)[-1]], components, depth)
    for key in ("anyOf", "oneOf", "allOf"):
        if key in schema:
            options = [s for s in schema[key] if s.get("type") != "null"] or schema[key]
            return _sample(options[0], components, depth)
    if "enum" in schema:
        return schema["enum"][0]
    if "const" in schema:
        return schema["const"]
    kind = schema.get("type", "object")
    if kind == "object":
        if depth > 4:
            return {}
        props = schema.get("properties", {})
        return {
            name: _sample(props[name], components, depth + 1)
            for name in schema.get("required", [])
            if name in props
        }
    if kind == "array":
        return []
    if kind == "string":
        fmt = schema.get("format")
        if fmt == "uuid":
            return str(uuid.uuid4())
        if fmt in ("uri", "url"):
            return "http://127.0.0.1:9/"
        return "x" * max(1, int(schema.get("minLength", 1)))
    if kind in ("integer", "number"):
        return schema.get("minimum", 1)
    if kind == "boolean":
        return False
    return None


def _body_for(spec: dict[str, Any], path: str, method: str) -> Any:
    operation = spec["paths"].get(path, {}).get(method.lower(), {})
    content = operation.get("requestBody", {}).get("content", {})
    schema = content.get("application/json", {}).get("schema")
    if schema is None:
        return None
    return _sample(schema, spec.get("components", {}).get("schemas", {}))


def _fill(path: str, values: dict[str, str]) -> str:
    return PARAM.sub(lambda m: values[m.group(1)], path)


def _assert_no_leak(response: httpx.Response, data: WorkspaceAData, what: str) -> None:
    """No string of A's data in the response, except an id the caller sent itself (a 404
    message may repeat the id it was asked for, as it does for a missing one)."""
    sent = str(response.request.url) + response.request.content.decode(errors="replace")
    text = response.text
    leaked = [s for s in data.strings() if s in text and s not in sent]
    assert not leaked, f"{what} leaked {leaked}"


async def _request(client: httpx.AsyncClient, method: str, url: str, body: Any) -> httpx.Response:
    if body is None:
        return await client.request(method, url)
    return await client.request(method, url, json=body)


async def test_every_route_with_an_id_answers_404_across_workspaces(
    app: FastAPI, client: httpx.AsyncClient, other_client: httpx.AsyncClient
) -> None:
    data = await _seed_workspace_a(app, client)
    known = ids_of(data)
    spec = (await client.get("/openapi.json")).json()
    checked = 0
    for method, path, _route in _api_routes(app):
        params = PARAM.findall(path)
        id_params = [p for p in params if p not in NON_ID_PARAMS]
        if not id_params:
            continue
        unknown = [p for p in id_params if p not in known]
        assert not unknown, f"{method} {path}: teach the isolation matrix about {unknown}"
        body = _body_for(spec, path, method)
        theirs = {p: str(known[p]) for p in id_params} | NON_ID_PARAMS
        missing = {p: str(uuid.uuid4()) for p in id_params} | NON_ID_PARAMS
        cross = await _request(other_client, method, _fill(path, theirs), body)
        absent = await _request(other_client, method, _fill(path, missing), body)
        where = f"{method} {path}"
        _assert_no_leak(cross, data, where)
        assert cross.status_code == absent.status_code, f"{where}: {cross.text} vs {absent.text}"
        assert cross.json()["error"]["code"] == absent.json()["error"]["code"], where
        if cross.status_code != 422:  # 422: the body was refused before any lookup
            assert cross.status_code == 404, f"{where}: {cross.status_code} {cross.text}"
            assert cross.json()["error"]["code"].startswith("not_found"), where
        checked += 1
    assert checked >= 10  # agents, integrations, tools, conversations, members, keys, ...
    await _assert_workspace_a_intact(client, data)


async def test_listings_of_workspace_b_show_nothing_of_a(
    app: FastAPI, client: httpx.AsyncClient, other_client: httpx.AsyncClient
) -> None:
    data = await _seed_workspace_a(app, client)
    listed = 0
    for method, path, _route in _api_routes(app):
        if method != "GET" or PARAM.search(path) or path in ("/openapi.json",):
            continue
        response = await other_client.get(path)
        _assert_no_leak(response, data, f"GET {path}")
        listed += 1
    assert listed >= 4
    keys = (await other_client.get("/api/v1/workspace/provider-keys")).json()["items"]
    assert not any(k["configured"] for k in keys)
    members = (await other_client.get("/api/v1/workspace/members")).json()["items"]
    assert [m["email"] for m in members] == [OWNER_B.email]


async def test_routes_that_act_on_the_own_workspace_never_touch_a(
    app: FastAPI, client: httpx.AsyncClient, other_client: httpx.AsyncClient
) -> None:
    """Writes without an id (create, provider keys) land in B, whatever ids the body names."""
    data = await _seed_workspace_a(app, client)
    spec = (await client.get("/openapi.json")).json()
    for method, path, _route in _api_routes(app):
        params = PARAM.findall(path)
        if method == "GET" or path in PUBLIC or any(p not in NON_ID_PARAMS for p in params):
            continue
        if path == "/api/v1/auth/logout":
            continue  # would end B's session for the rest of the loop
        body = _body_for(spec, path, method)
        response = await _request(other_client, method, _fill(path, NON_ID_PARAMS), body)
        _assert_no_leak(response, data, f"{method} {path}")
    await _assert_workspace_a_intact(client, data)


async def _assert_workspace_a_intact(client: httpx.AsyncClient, data: WorkspaceAData) -> None:
    i = data.ids
    agent = await client.get(f"/api/v1/agents/{i['agent']}")
    assert agent.status_code == 200 and agent.json()["name"] == f"agent {MARK}"
    conversation = await client.get(f"/api/v1/conversations/{i['conversation']}")
    assert conversation.status_code == 200
    messages = await client.get(f"/api/v1/conversations/{i['conversation']}/messages")
    assert MARK in messages.text
    assert (await client.get(f"/api/v1/integrations/{i['integration']}")).status_code == 200
    assert (await client.get(f"/api/v1/tools/{i['tool']}")).status_code == 200
    keys = (await client.get("/api/v1/workspace/provider-keys")).json()["items"]
    openai = next(k for k in keys if k["provider"] == "openai")
    assert openai["configured"] and openai["masked_key"] == data.provider_key_masked
    members = {
        m["user_id"]: m["role"]
        for m in (await client.get("/api/v1/workspace/members")).json()["items"]
    }
    assert members == {str(OWNER_A.user_id): "owner", str(i["member"]): "admin"}
    api_keys = (await client.get("/api/v1/workspace/api-keys")).json()["items"]
    assert all(k["revoked_at"] is None for k in api_keys)
    invitations = (await client.get("/api/v1/workspace/invitations")).json()["items"]
    assert [(v["id"], v["status"]) for v in invitations] == [(str(i["invitation"]), "pending")]
    assert (await client.get("/api/v1/auth/me")).status_code == 200


async def test_every_non_public_route_requires_authentication(
    app: FastAPI, anon_client: httpx.AsyncClient
) -> None:
    checked = 0
    for method, path, _route in _api_routes(app):
        if path in PUBLIC or not path.startswith("/api/"):
            continue
        values = {p: NON_ID_PARAMS.get(p, str(uuid.uuid4())) for p in PARAM.findall(path)}
        response = await anon_client.request(method, _fill(path, values))
        assert response.status_code == 401, f"{method} {path}: {response.status_code}"
        assert response.json()["error"]["code"] == "auth_required", f"{method} {path}"
        checked += 1
    assert checked >= 10


@pytest.fixture(scope="module")
def ws_client(app: FastAPI, settings: Settings) -> Iterator[TestClient]:
    """A second instance of the app, run by Starlette's TestClient (for WebSockets)."""
    with TestClient(create_app(settings)) as test_client:
        yield test_client


def _ws_outcome(
    test_client: TestClient, path: str, token: str, max_frames: int = 3
) -> tuple[int | None, list[str]]:
    """(close code, frames received) for a socket that authenticates, reading at most
    `max_frames` frames (a refused socket is closed after at most an error frame)."""
    frames: list[str] = []
    code: int | None = None
    try:
        with test_client.websocket_connect(path) as websocket:
            websocket.send_json({"type": "auth", "token": token})
            for _ in range(max_frames):
                frames.append(json.dumps(websocket.receive_json()))
    except WebSocketDisconnect as closed:
        code = closed.code
    return code, frames


async def test_every_websocket_with_an_id_refuses_another_workspace(
    app: FastAPI, client: httpx.AsyncClient, ws_client: TestClient
) -> None:
    data = await _seed_workspace_a(app, client)
    known = ids_of(data)
    checked = 0
    for context in iter_route_contexts(app.routes):
        route = context.original_route
        if not isinstance(route, APIWebSocketRoute) or not context.path:
            continue
        params = PARAM.findall(context.path)
        if not params:
            continue
        assert all(p in known for p in params), f"teach the matrix about {context.path}"
        own_path = _fill(context.path, {p: str(known[p]) for p in params})
        cross_code, cross_frames = _ws_outcome(ws_client, own_path, OWNER_B.api_key)
        absent_path = _fill(context.path, {p: str(uuid.uuid4()) for p in params})
        absent_code, _ = _ws_outcome(ws_client, absent_path, OWNER_B.api_key)
        assert cross_code is not None and cross_code == absent_code, context.path
        leaked = [s for s in data.strings() for f in cross_frames if s in f and s not in own_path]
        assert not leaked, f"{context.path} leaked {leaked}"
        assert not any('"agent_loaded"' in f for f in cross_frames)
        # A's own owner gets in.
        own_code, own_frames = _ws_outcome(ws_client, own_path, OWNER_A.api_key, 1)
        assert own_frames, f"{context.path}: the owner could not connect ({own_code})"
        checked += 1
    assert checked >= 1


def _turn_frames(
    test_client: TestClient, agent_id: str, token: str, conversation_id: str
) -> list[dict[str, Any]]:
    """Frames answering one user_message that names `conversation_id` (bounded)."""
    frames: list[dict[str, Any]] = []
    with test_client.websocket_connect(f"/api/v1/playground/{agent_id}") as websocket:
        websocket.send_json({"type": "auth", "token": token})
        assert websocket.receive_json()["type"] == "agent_loaded"
        websocket.send_json(
            {"type": "user_message", "content": "hi", "conversation_id": conversation_id}
        )
        for _ in range(10):
            frame = websocket.receive_json()
            frames.append(frame)
            if frame["type"] in ("error", "message_complete"):
                break
    return frames


async def test_a_playground_message_cannot_join_another_workspaces_conversation(
    app: FastAPI,
    client: httpx.AsyncClient,
    other_client: httpx.AsyncClient,
    ws_client: TestClient,
) -> None:
    data = await _seed_workspace_a(app, client)
    agent = await other_client.post(
        "/api/v1/agents", json={"name": "b", "provider": "openai", "model": "gpt-4o-mini"}
    )
    b_agent = agent.json()["id"]

    async def model_factory(*_: Any) -> ScriptedModel:
        return ScriptedModel([[text("ok")]])

    state = ws_client.app.state  # type: ignore[attr-defined]
    default_factory, state.model_factory = state.model_factory, model_factory
    a_conversation = str(data.ids["conversation"])
    try:
        cross = _turn_frames(ws_client, b_agent, OWNER_B.api_key, a_conversation)
        absent = _turn_frames(ws_client, b_agent, OWNER_B.api_key, str(uuid.uuid4()))
    finally:
        state.model_factory = default_factory
    assert cross[-1]["type"] == "error", cross
    assert cross[-1]["code"].startswith("not_found"), cross
    assert (cross[-1]["type"], cross[-1]["code"]) == (absent[-1]["type"], absent[-1]["code"])
    text_of = json.dumps(cross)
    leaked = [s for s in data.strings() if s in text_of and s != a_conversation]
    assert not leaked
    messages = (await client.get(f"/api/v1/conversations/{a_conversation}/messages")).json()
    assert [m["content"] for m in messages["items"]] == [MARK]
