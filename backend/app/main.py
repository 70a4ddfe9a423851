"""create_app(): middleware, routers, exception handlers, lifespan."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from fastapi.routing import APIRoute

from app import __version__
from app.agents.router import router as agents_router
from app.auth.provider_keys import workspace_provider_key
from app.auth.ratelimit import IpRateLimit, create_rate_limiter, ws_frame_guard_for
from app.auth.router import router as auth_router
from app.auth.tokens import resolve_jwt_secret
from app.auth.workspace_router import router as workspace_router
from app.config import Settings, get_settings
from app.conversations.router import router as conversations_router
from app.credentials.crypto import load_keyring
from app.credentials.redact import install_log_filter
from app.credentials.service import install_keyring
from app.database import create_engine, create_sessionmaker
from app.exceptions import install_exception_handlers
from app.health import router as health_router
from app.integrations.importer import import_body_limit
from app.integrations.router import router as integrations_router
from app.llm.registry import ModelFactory, close_clients
from app.llm.router import router as llm_router
from app.middleware import BodySizeLimit, CatchUnhandled
from app.migrations import upgrade_async
from app.openapi import install_error_responses
from app.playground.router import router as playground_router
from app.redis import create_redis
from app.runs.lifecycle import install_run_hooks, start_runs, stop_runs
from app.tools.egress import EgressGuard
from app.tools.egress_transport import ModelEgress
from app.tools.runtime import ToolRuntime
from app.traces.router import router as traces_router
from app.validation import RequestGuard

logger = logging.getLogger("app")


def _operation_id(route: APIRoute) -> str:
    return route.name


def build_routes(app: FastAPI) -> None:
    """Build every route's request handler now. FastAPI builds an included router's routes
    (dependency analysis, validators) when the first request passes through it: tens of ms of
    the event loop inside some user's request after each start (the first OpenAPI preview:
    50 ms). Duck-typed: a FastAPI that builds them eagerly has nothing to do here."""
    pending: list[object] = list(app.router.routes)
    while pending:
        route = pending.pop()
        for build in ("effective_candidates", "effective_low_priority_routes"):
            method = getattr(route, build, None)
            if callable(method):
                pending.extend(method())


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()
    logging.basicConfig(level=settings.log_level.upper())
    install_log_filter()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        # First: production refuses to start without ENCRYPTION_KEYS (KeyringError).
        app.state.keyring = load_keyring(settings)
        install_keyring(app.state.keyring)
        # And without JWT_SECRET (development generates one into DATA_DIR).
        app.state.jwt_secret = resolve_jwt_secret(settings)
        if settings.is_sqlite:
            settings.data_dir.mkdir(parents=True, exist_ok=True)
        if settings.should_auto_migrate:
            await upgrade_async(settings.resolved_database_url)
        engine = create_engine(
            settings.resolved_database_url,
            pool_size=settings.db_pool_size,
            max_overflow=settings.db_max_overflow,
            pool_timeout_s=settings.db_pool_timeout_s,
        )
        app.state.engine = engine
        app.state.sessionmaker = create_sessionmaker(engine)
        app.state.redis = create_redis(settings)
        app.state.egress = EgressGuard(settings)
        # Every model (runs, tool prompts, tool tests) is built here, on the egress guard.
        app.state.models = ModelFactory(
            settings, ModelEgress(app.state.egress), keys=workspace_provider_key
        )
        app.state.tool_runtime = ToolRuntime(
            settings,
            app.state.sessionmaker,
            app.state.redis,
            app.state.egress,
            model_factory=app.state.models,
        )
        app.state.rate_limiter = create_rate_limiter(settings)
        app.state.ws_frame_guard = ws_frame_guard_for(app.state.rate_limiter)
        await start_runs(app, settings)
        build_routes(app)
        try:
            yield
        finally:
            await stop_runs(app)
            await close_clients()
            await app.state.rate_limiter.aclose()
            await app.state.egress.aclose()
            if app.state.redis is not None:
                await app.state.redis.aclose()
            await engine.dispose()

    app = FastAPI(
        title="Agent Builder API",
        version=__version__,
        lifespan=lifespan,
        generate_unique_id_function=_operation_id,
    )
    app.state.settings = settings
    install_run_hooks(app, settings)
    install_exception_handlers(app)
    # Outermost last. Every refusal is inside CORS, so the browser can read it.
    app.add_middleware(RequestGuard)  # NUL, depth: after the rate limit, before any route
    app.add_middleware(IpRateLimit)
    app.add_middleware(
        BodySizeLimit,
        max_bytes=settings.max_request_bytes,
        routes=[import_body_limit(settings)],  # a pasted spec may be up to OPENAPI_MAX_BYTES
    )
    app.add_middleware(CatchUnhandled)
    app.add_middleware(
        CORSMiddleware,
        allow_origins=settings.allowed_origin_list,
        allow_credentials=True,
        allow_methods=["*"],
        allow_headers=["*"],
    )

    for router in (health_router, auth_router, workspace_router, agents_router, llm_router):
        app.include_router(router)
    for router in (conversations_router, traces_router, playground_router, integrations_router):
        app.include_router(router)
    install_error_responses(app)  # reads the routes when the document is first asked for
    return app
