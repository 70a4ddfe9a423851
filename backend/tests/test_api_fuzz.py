"""Schemathesis over every operation of the OpenAPI document: no 5xx, no undocumented status,
responses that match their schema.

Runs in-process on the suite's app (SQLite or PostgreSQL), as workspace A's owner, with a fixed
seed (derandomize) and a bounded number of examples per operation, so a failure reproduces.
Hypothesis runs in a worker thread and every request is sent on the app's own event loop (the
database pools belong to it). Each operation gets a fresh agent, integration, tool and
conversation whose ids fill its path, so the examples reach validation and the services
rather than stopping at a 404. WebSocket routes are not in the document and not fuzzed here.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
import schemathesis
from fastapi import FastAPI
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import FailureGroup
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from app.conversations.models import Conversation

EXAMPLES = {GenerationMode.POSITIVE: 5, GenerationMode.NEGATIVE: 3}
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
REQUEST_TIMEOUT_S = 60  # a hang guard for one call, not a timing assertion
MAX_REPORTED = 20

# ~1,000 calls: about 30 s of CPU; the hang guard leaves room for a machine shared with others.
pytestmark = pytest.mark.timeout(300)


@dataclass
class Findings:
    """Distinct failures (operation and what failed), each with the first call that showed it."""

    failures: dict[tuple[str, str], str] = field(default_factory=dict)
    calls: int = 0

    def add(self, operation: str, curl: str, error: BaseException) -> None:
        if isinstance(error, FailureGroup):
            text = "; ".join(f"{e.title}: {e.message}" for e in error.exceptions)
        else:
            text = f"{type(error).__name__}: {error}"
        if len(self.failures) < MAX_REPORTED:
            self.failures.setdefault((operation, text[:2000]), curl)

    def report(self) -> str:
        found = self.failures.items()
        return "\n\n".join(f"{op}\n    {text}\n    {curl}" for (op, text), curl in found)


async def fresh_resources(client: httpx.AsyncClient, app: FastAPI) -> dict[str, str]:
    """An agent with an integration, a tool and a conversation: ids for the path."""
    agent = await client.post(
        "/api/v1/agents", json={"name": "Fuzz", "provider": "openai", "model": "gpt-4o-mini"}
    )
    agent_id = agent.json()["id"]
    integration = await client.post(
        f"/api/v1/agents/{agent_id}/integrations",
        json={"name": "Fuzz API", "base_url": "https://api.fuzz.example"},
    )
    integration_id = integration.json()["id"]
    tool = await client.post(
        f"/api/v1/integrations/{integration_id}/tools",
        json={"name": "lookup", "method": "GET", "path": "/lookup"},
    )
    async with app.state.sessionmaker() as session:
        conversation = Conversation(agent_id=uuid.UUID(agent_id), title="Fuzz")
        session.add(conversation)
        await session.commit()
    return {
        "agent_id": agent_id,
        "integration_id": integration_id,
        "tool_id": tool.json()["id"],
        "conversation_id": str(conversation.id),
    }


def httpx_kwargs(kwargs: dict[str, Any]) -> dict[str, Any]:
    """Schemathesis' transport kwargs (requests-style) as httpx.AsyncClient.request kwargs."""
    out: dict[str, Any] = {
        "method": kwargs["method"],
        "url": kwargs["url"],
        "headers": kwargs.get("headers") or {},
        "params": kwargs.get("params") or None,
        "cookies": kwargs.get("cookies") or None,
    }
    if "json" in kwargs:
        out["json"] = kwargs["json"]
    data = kwargs.get("data")
    if isinstance(data, bytes | str):
        out["content"] = data
    elif data is not None:
        out["data"] = data
    return out


def fuzz_operation(
    operation: Any,
    path_parameters: dict[str, str],
    send: Callable[[dict[str, Any]], httpx.Response],
    findings: Findings,
) -> None:
    """Runs in a worker thread: generate, send, check. Failures are collected, not raised,
    so Hypothesis neither stops nor shrinks and the report lists every operation's findings."""
    for mode, examples in EXAMPLES.items():
        where = f"{operation.method.upper()} {operation.path} [{mode.value}]"
        strategy = operation.as_strategy(generation_mode=mode, path_parameters=path_parameters)
        run = _examples(strategy, examples, where, send, findings)
        try:
            run()
        except Unsatisfiable:
            assert mode is GenerationMode.NEGATIVE, where  # nothing in it can be made invalid


def _examples(
    strategy: Any,
    examples: int,
    where: str,
    send: Callable[[dict[str, Any]], httpx.Response],
    findings: Findings,
) -> Callable[[], None]:
    @settings(
        max_examples=examples,
        derandomize=True,
        database=None,
        deadline=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=strategy)
    def run(case: Any) -> None:
        kwargs = case.as_transport_kwargs(base_url="http://test")
        try:
            response = send(httpx_kwargs(kwargs))
            findings.calls += 1
            case.validate_response(response, checks=CHECKS)
        except (FailureGroup, Exception) as error:  # checks failed, or the app raised
            findings.add(where, case.as_curl_command(), error)

    return run


async def test_every_operation_answers_as_documented(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    schema = schemathesis.openapi.from_dict(app.openapi())
    operations = [result.ok() for result in schema.get_all_operations()]  # Err: invalid schema
    assert len(operations) >= 40  # every REST operation, whatever the other packages add
    loop = asyncio.get_running_loop()

    def send(kwargs: dict[str, Any]) -> httpx.Response:
        call = asyncio.run_coroutine_threadsafe(client.request(**kwargs), loop)
        return call.result(timeout=REQUEST_TIMEOUT_S)

    findings = Findings()
    for operation in operations:
        resources = await fresh_resources(client, app)
        path = {k: v for k, v in resources.items() if "{" + k + "}" in operation.path}
        await asyncio.to_thread(fuzz_operation, operation, path, send, findings)
    assert findings.calls >= len(operations) * 3
    assert not findings.failures, findings.report()
