"""What runs need on app.state, set up by create_app() and its lifespan.

app.state.model_factory   async (agent, session, principal) -> Model     (swappable)
app.state.tool_factory    async (agent, session, principal) -> list[Tool] (swappable)
app.state.run_registry    RunRegistry: run_in_progress and cross-worker cancel
app.state.trace_exporter  LangfuseExporter | None
"""

from __future__ import annotations

import asyncio

from fastapi import FastAPI

from app.config import Settings
from app.runs.cancel import RunRegistry
from app.runs.models import default_model_factory, default_tool_factory
from app.traces.langfuse_export import create_exporter


def install_run_hooks(app: FastAPI, settings: Settings) -> None:
    app.state.model_factory = default_model_factory(app.state)
    app.state.tool_factory = default_tool_factory(app.state)


async def start_runs(app: FastAPI, settings: Settings) -> None:
    app.state.run_registry = RunRegistry(settings, app.state.redis)
    await app.state.run_registry.start()
    app.state.trace_exporter = create_exporter(settings)


async def stop_runs(app: FastAPI) -> None:
    await app.state.run_registry.stop()
    exporter = app.state.trace_exporter
    if exporter is not None:
        # Flushing may wait on a slow Langfuse: keep it off the event loop.
        await asyncio.to_thread(exporter.shutdown)
        app.state.trace_exporter = None
