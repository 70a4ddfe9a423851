"""Secrets are scrubbed in every encoding they come back in, per workspace, and the log filter
never breaks a record. The whole-path tests drive the playground socket against a loopback
server that echoes each request back, with the real OpenAI SDK against the fake provider."""

from __future__ import annotations

import base64
import json
import logging
import secrets as random
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote, quote_plus

import httpx
import pytest
from fastapi import FastAPI
from pydantic import SecretStr
from uvicorn.logging import AccessFormatter

from app.config import Settings
from app.credentials.redact import (
    REDACTED,
    SecretScrubFilter,
    forget_secrets,
    redact,
    remember_secrets,
    workspace_secrets,
)
from app.llm.testing import ScriptedModel, text
from app.runs.runner import run_agent
from tests.conftest import OWNER_A, OWNER_B
from tests.fakes.http_tool_server import FakeToolServer, RecordedRequest, json_reply
from tests.fakes.http_tool_server import Reply as ReplyTuple
from tests.fakes.oauth_server import FakeOAuthServer
from tests.fakes.openai_server import FakeOpenAI
from tests.fakes.server import Call, Reply, Text
from tests.playground.conftest import agent_with_tools, live_app, recorded_turn, running
from tests.runs.helpers import create_agent
from tests.runs.test_runner import collect, conversation_of
from tests.tools.conftest import GuardFactory, make_guard, oauth_server  # noqa: F401 (fixtures)
from tests.tools.helpers import make_tool, runtime_for


def encodings(secret: str) -> dict[str, str]:
    """Every form a secret was seen leaking in."""
    forms = {
        "raw": secret,
        "url": quote(secret, safe=""),
        "url_lower_hex": _lower_hex(quote(secret, safe="")),
        "url_keep_slash": quote(secret),
        "form": quote_plus(secret),
        "json_ascii": json.dumps(secret)[1:-1],
        "json_utf8": json.dumps(secret, ensure_ascii=False)[1:-1],
        "json_slash": json.dumps(secret)[1:-1].replace("/", "\\/"),
        "basic": base64.b64encode(f"alice:{secret}".encode()).decode(),
    }
    return forms


def _lower_hex(text: str) -> str:
    out, i = [], 0
    while i < len(text):
        if text[i] == "%":
            out.append(text[i : i + 3].lower())
            i += 3
        else:
            out.append(text[i])
            i += 1
    return "".join(out)


def leaked(value: Any, secret: str) -> list[str]:
    """The encodings of `secret` found in any string inside `value`."""
    strings: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, str):
            strings.append(node)
        elif isinstance(node, dict):
            for k, v in node.items():
                walk(k)
                walk(v)
        elif isinstance(node, list | tuple):
            for item in node:
                walk(item)

    walk(value)
    return sorted(
        name
        for name, form in encodings(secret).items()
        if name != "basic" and any(form in s for s in strings)
    )


SECRET = 'sk/+=live "quoted" ü-key'


@pytest.mark.parametrize("name", [n for n in encodings(SECRET) if n != "basic"])
def test_each_encoding_of_a_secret_is_scrubbed(name: str) -> None:
    form = encodings(SECRET)[name]
    cleaned = redact({"text": f"before {form} after", form: 1}, [SECRET])
    assert cleaned == {"text": f"before {REDACTED} after", REDACTED: 1}


def test_a_basic_pair_is_scrubbed_when_given_and_short_values_never_are() -> None:
    pair = encodings(SECRET)["basic"]
    assert redact(f"Authorization: Basic {pair}", [pair]) == f"Authorization: Basic {REDACTED}"
    assert redact(f"Basic {pair.rstrip('=')}==", [pair.rstrip("=")]).startswith(f"Basic {REDACTED}")
    assert redact("ab cab abc", ["ab", "abc"]) == "ab cab abc"  # under 4 characters


def test_json_escapes_beyond_the_basic_plane_are_scrubbed() -> None:
    secret = "emoji-🔑-secret"
    escaped = json.dumps({"k": secret})
    assert secret not in json.loads(redact(escaped, [secret]))["k"]


# --- per workspace ------------------------------------------------------------------------------


async def _trace_text(client: httpx.AsyncClient, app: FastAPI, workspace: Any, text_in: str) -> str:
    agent = await create_agent(app, workspace_id=workspace)
    events = await collect(
        run_agent(
            sessionmaker=app.state.sessionmaker,
            agent=agent,
            model=ScriptedModel([[text("ok")]]),
            tools=[],
            user_text=text_in,
        )
    )
    response = await client.get(f"/api/v1/conversations/{conversation_of(events)}/traces")
    assert response.status_code == 200, response.text
    return response.text


@pytest.fixture
def forget_owners() -> Iterator[None]:
    yield
    for workspace in (OWNER_A.workspace_id, OWNER_B.workspace_id):
        forget_secrets(workspace)


async def test_one_workspace_s_secrets_never_touch_another_s_traces(
    app: FastAPI,
    client: httpx.AsyncClient,
    other_client: httpx.AsyncClient,
    forget_owners: None,
) -> None:
    # B stores a common word as a secret: A's text must not change.
    await agent_with_tools(
        other_client,
        {"name": "B", "provider": "openai", "model": "gpt-4o"},
        {
            "name": "B's API",
            "base_url": "https://b.example.com",
            "auth_type": "bearer",
            "secrets": {"token": "Echo"},
        },
    )
    assert "Echo" in workspace_secrets(OWNER_B.workspace_id)
    a_trace = await _trace_text(client, app, OWNER_A.workspace_id, "Echo, echo: reply Echo")
    assert "Echo, echo: reply Echo" in a_trace and REDACTED not in a_trace

    # B guesses A's secret: its own trace shows the guess as typed, so it learns nothing.
    guess = "tok-of-A-4b1d9e7f2c"
    remember_secrets(OWNER_A.workspace_id, [guess])  # as if A's credential had been decrypted
    b_trace = await _trace_text(other_client, app, OWNER_B.workspace_id, f"is it {guess}?")
    assert f"is it {guess}?" in b_trace and REDACTED not in b_trace
    # A's own trace is still scrubbed of it.
    a_own = await _trace_text(client, app, OWNER_A.workspace_id, f"mine is {guess}")
    assert guess not in a_own and REDACTED in a_own


# --- the log filter ------------------------------------------------------------------------------


def _access_record(path: str) -> logging.LogRecord:
    return logging.LogRecord(
        "uvicorn.access",
        logging.INFO,
        __file__,
        1,
        '%s - "%s %s HTTP/%s" %d',
        ("127.0.0.1:5000", "GET", path, "1.1", 200),
        None,
    )


@pytest.fixture
def stranger() -> Iterator[uuid.UUID]:
    """A workspace whose odd secrets this process forgets after the test (they would scrub
    every later test's log lines)."""
    workspace = uuid.uuid4()
    yield workspace
    forget_secrets(workspace)


def test_a_secret_like_http_1_1_does_not_break_the_access_log(stranger: uuid.UUID) -> None:
    formatter = AccessFormatter('%(client_addr)s - "%(request_line)s" %(status_code)s')
    untouched = _access_record("/api/v1/health")
    args = untouched.args
    SecretScrubFilter().filter(untouched)
    assert untouched.args is args  # nothing matches: nothing of the record is rewritten

    remember_secrets(stranger, ["HTTP/1.1"])
    spanning = _access_record("/api/v1/health")
    SecretScrubFilter().filter(spanning)
    assert spanning.args == args  # the arguments keep their shape for uvicorn's formatter
    assert formatter.format(spanning).startswith('127.0.0.1:5000 - "GET /api/v1/health')
    assert "HTTP/1.1" not in spanning.getMessage()

    # A record that holds a secret in an argument keeps its shape, scrubbed.
    remember_secrets(stranger, ["query-secret-77aa"])
    holding = _access_record("/x?key=query-secret-77aa")
    SecretScrubFilter().filter(holding)
    assert isinstance(holding.args, tuple) and len(holding.args) == 5
    line = formatter.format(holding)
    assert "query-secret-77aa" not in line and f"key={REDACTED}" in line
    assert "query-secret-77aa" not in holding.getMessage()


def test_the_log_filter_scrubs_encoded_secrets_and_leaves_other_records_alone(
    stranger: uuid.UUID,
) -> None:
    secret = "log/+=secret ü-991"
    remember_secrets(stranger, [secret])
    record = logging.LogRecord(
        "httpx",
        logging.INFO,
        __file__,
        1,
        "HTTP Request: %s %s",
        ("GET", "u?k=" + quote(secret)),
        None,
    )
    SecretScrubFilter().filter(record)
    assert quote(secret) not in record.getMessage() and REDACTED in record.getMessage()

    plain = logging.LogRecord("x", logging.INFO, __file__, 1, "%d items in %s", (3, "box"), None)
    SecretScrubFilter().filter(plain)
    assert plain.args == (3, "box") and plain.getMessage() == "3 items in box"


# --- the whole path --------------------------------------------------------------------------


@pytest.fixture
def echo_api() -> Iterator[FakeToolServer]:
    with FakeToolServer() as server:
        yield server


def _case(kind: str) -> tuple[dict[str, Any], str]:
    """An integration whose secret has the characters that leaked, and that secret."""
    tail = random.token_hex(4)
    if kind == "api_key_query":
        secret = f"key/+=with space&ü-{tail}"
        auth = {
            "auth_type": "api_key",
            "auth_config": {"location": "query", "name": "api_key"},
            "secrets": {"api_key": secret},
        }
    elif kind == "basic":
        secret = f'pa"ss:wörd-{tail}'
        auth = {
            "auth_type": "basic",
            "auth_config": {"username": "alice"},
            "secrets": {"password": secret},
        }
    else:
        secret = f'tok"en\\/{tail}'
        auth = {"auth_type": "bearer", "secrets": {"token": secret}}
    return auth, secret


@pytest.mark.parametrize("kind", ["api_key_query", "basic", "bearer"])
async def test_an_echoed_secret_reaches_no_frame_message_trace_log_or_model(
    settings: Settings,
    tmp_data_dir: Path,
    echo_api: FakeToolServer,
    caplog: pytest.LogCaptureFixture,
    kind: str,
) -> None:
    auth, secret = _case(kind)
    script = [Reply([Call("echo", {"q": "hello"})]), Reply([Text("done")])]
    async with FakeOpenAI(script) as llm:
        app = live_app(
            settings,
            tmp_data_dir,
            openai_api_key=SecretStr("sk-redaction-test-key"),
            openai_base_url=f"{llm.base_url}/v1",
        )
        with caplog.at_level(logging.INFO):
            async with running(app) as (url, rest):
                agent = await agent_with_tools(
                    rest,
                    {"name": "Echo", "provider": "openai", "model": "gpt-4o-mini"},
                    {"name": "Echo API", "base_url": echo_api.url, **auth},
                    {
                        "name": "echo",
                        "path": "/echo",
                        "input_schema": {"type": "object", "properties": {"q": {"type": "string"}}},
                    },
                )
                frames, messages, traces = await recorded_turn(
                    url, rest, agent["id"], "Echo please"
                )
        model_requests = llm.bodies()

    # The tool really sent the secret, and the server really echoed it back.
    [request] = echo_api.requests
    assert "raw" in leaked(request.echo(), secret) or encodings(secret)["basic"] in (
        request.header("Authorization") or ""
    )
    result = next(f for f in frames if f["type"] == "tool_use_complete")
    assert not result["is_error"] and REDACTED in json.dumps(result["result"])

    pair = encodings(secret)["basic"]
    for where, value in {
        "frames": frames,
        "messages": messages,
        "traces": traces,
        "model requests": model_requests,
        "log records": [r.getMessage() for r in caplog.records] + [caplog.text],
    }.items():
        assert leaked(value, secret) == [], where
        assert pair not in json.dumps(value), where


# --- an OAuth token endpoint that echoes what it was sent -----------------------------------


@pytest.mark.parametrize("client_auth", ["body", "basic"])
async def test_a_token_endpoint_echoing_the_client_secret_leaks_nothing(
    app: FastAPI,
    make_guard: GuardFactory,  # noqa: F811
    oauth_server: FakeOAuthServer,  # noqa: F811
    client_auth: str,
) -> None:
    secret = 'client/+=secret "ü" 5a1f'
    oauth_server.client_secret = secret

    def echo_error(request: RecordedRequest) -> ReplyTuple:
        form = request.body.decode()
        return json_reply(
            401,
            {
                "error": secret,
                "error_description": f"bad client_secret {secret} in {form}",
                "seen": {"form": form, "authorization": request.header("Authorization")},
            },
        )

    oauth_server.http.route("POST", "/token", echo_error)
    runtime = runtime_for(app, make_guard(allow=["127.0.0.1"]))
    tool = await make_tool(
        runtime,
        oauth_server.url,
        auth_type="oauth2",
        config={
            "grant_type": "client_credentials",
            "token_url": oauth_server.token_url,
            "client_id": oauth_server.client_id,
            "client_auth": client_auth,
        },
        secrets={"client_secret": secret},
        path="/api/me",
    )
    result = await tool.call({})
    assert result.is_error and "HTTP 401" in result.content
    assert leaked(result.model_dump(), secret) == []
    pair = base64.b64encode(f"{oauth_server.client_id}:{secret}".encode()).decode()
    assert pair not in result.content
    assert [r.path for r in oauth_server.http.requests] == ["/token"]  # the API saw nothing
