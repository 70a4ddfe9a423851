"""Langfuse export through the real langfuse SDK against a local fake Langfuse endpoint."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI
from pydantic import SecretStr

from app.config import Settings
from app.llm.testing import ScriptedModel, text, tool_call
from app.runs.events import MessageComplete
from app.runs.runner import run_agent
from app.traces.langfuse_export import LangfuseExporter, create_exporter
from tests.conftest import make_settings
from tests.fakes.langfuse_server import OTEL_PATH, FakeLangfuse
from tests.runs.helpers import FakeTool, create_agent, returns
from tests.runs.test_runner import collect

SECRET = "sk-lf-secret-" + uuid.uuid4().hex


def langfuse_settings(settings: Settings, host: str) -> Settings:
    # A fresh public key per test: the SDK keeps one client per public key per process.
    return make_settings(
        settings.resolved_database_url,
        Path(settings.data_dir),
        langfuse_public_key=f"pk-lf-{uuid.uuid4().hex}",
        langfuse_secret_key=SecretStr(SECRET),
        langfuse_host=host,
    )


@pytest.fixture
def exporters() -> Iterator[list[LangfuseExporter]]:
    made: list[LangfuseExporter] = []
    yield made
    for exporter in made:
        exporter.shutdown()


def exporter_for(settings: Settings, made: list[LangfuseExporter]) -> LangfuseExporter:
    exporter = create_exporter(settings)
    assert exporter is not None
    made.append(exporter)
    return exporter


async def run_with_tools(app: FastAPI, exporter: LangfuseExporter) -> list[object]:
    agent = await create_agent(app, name="Exported bot")
    model = ScriptedModel(
        [[text("Let me look. "), tool_call("lookup", {"q": "x"}, id="l1")], [text("Found it.")]],
        provider="openai",
        name="gpt-4o-mini",
        usage=(40, 8),
    )
    return list(
        await collect(
            run_agent(
                sessionmaker=app.state.sessionmaker,
                agent=agent,
                model=model,
                tools=[FakeTool("lookup", returns("result"))],
                user_text="Find x",
                exporter=exporter,
            )
        )
    )


async def test_each_run_is_a_langfuse_trace_with_generation_and_tool_spans(
    app: FastAPI, settings: Settings, exporters: list[LangfuseExporter]
) -> None:
    async with FakeLangfuse() as fake:
        exporter = exporter_for(langfuse_settings(settings, fake.base_url), exporters)
        events = await run_with_tools(app, exporter)
        assert isinstance(events[-1], MessageComplete)
        await asyncio.to_thread(exporter.flush)

    assert fake.requests and all(path == OTEL_PATH for path, _ in fake.requests)
    assert fake.requests[0][1]["authorization"].startswith("Basic ")
    [run] = fake.by_type("agent")
    generations = fake.by_type("generation")
    [tool] = fake.by_type("tool")
    assert run.name == "Exported bot"
    assert len(generations) == 2
    assert {s.trace_id for s in fake.spans} == {run.trace_id}
    assert all(s.parent_span_id == run.span_id for s in [*generations, tool])
    first = min(generations, key=lambda s: s.start_ns)
    assert first.attributes["langfuse.observation.model.name"] == "gpt-4o-mini"
    assert '"input": 40' in first.attributes["langfuse.observation.usage_details"]
    assert "Let me look" in first.attributes["langfuse.observation.output"]
    assert tool.name == "lookup" and "result" in tool.attributes["langfuse.observation.output"]
    assert all(s.end_ns >= s.start_ns > 0 for s in fake.spans)
    assert SECRET not in str([s.attributes for s in fake.spans])


async def test_a_langfuse_outage_never_holds_up_or_breaks_a_run(
    app: FastAPI, settings: Settings, exporters: list[LangfuseExporter]
) -> None:
    async with FakeLangfuse() as stuck, FakeLangfuse(status=500) as down:
        # Langfuse accepts the connection but does not answer: an export is hanging...
        stuck.hold = asyncio.Event()
        exporter = exporter_for(langfuse_settings(settings, stuck.base_url), exporters)
        await run_with_tools(app, exporter)
        flushing = asyncio.create_task(asyncio.to_thread(exporter.flush))
        for _ in range(1000):
            if stuck.requests:
                break
            await asyncio.sleep(0.01)
        assert stuck.requests, "the exporter never tried to send"
        # ...and a run made meanwhile completes normally.
        events = await run_with_tools(app, exporter)
        assert isinstance(events[-1], MessageComplete) and events[-1].status == "complete"
        assert not flushing.done()
        stuck.hold.set()
        await flushing
        assert stuck.by_type("agent")

        # Langfuse refusing every export (HTTP 500) changes nothing for the run either.
        exporter = exporter_for(langfuse_settings(settings, down.base_url), exporters)
        events = await run_with_tools(app, exporter)
        assert isinstance(events[-1], MessageComplete) and events[-1].status == "complete"
        await asyncio.to_thread(exporter.flush)
        assert down.requests and down.spans == []


def test_no_exporter_unless_all_three_settings_are_set(settings: Settings) -> None:
    assert create_exporter(settings) is None
    partial = settings.model_copy(update={"langfuse_public_key": "pk", "langfuse_host": ""})
    assert create_exporter(partial) is None
