"""Routes are built at startup, not inside the first request that reaches them (FastAPI builds
an included router's routes lazily: tens of ms of the event loop in a user's request)."""

from __future__ import annotations

from typing import Any

import fastapi.routing
import pytest
from asgi_lifespan import LifespanManager

from app.config import Settings
from app.main import create_app
from tests.conftest import make_client


async def test_the_first_request_through_each_router_builds_nothing(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    application = create_app(settings)
    async with LifespanManager(application):
        built: list[str] = []
        real = fastapi.routing.get_dependant

        def counting(*args: Any, **kwargs: Any) -> Any:
            built.append(str(kwargs.get("path")))
            return real(*args, **kwargs)

        monkeypatch.setattr(fastapi.routing, "get_dependant", counting)
        async with make_client(application) as client:
            for path in ("/health", "/api/v1/agents", "/api/v1/integrations/x/tools"):
                await client.get(path)
            await client.post("/api/v1/agents/x/integrations/import-openapi", json={})
        assert built == []
