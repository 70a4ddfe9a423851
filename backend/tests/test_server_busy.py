"""An exhausted database pool answers 503 `server_busy` with Retry-After, not a 500."""

from __future__ import annotations

import httpx
import sqlalchemy.exc
from asgi_lifespan import LifespanManager

from app.config import Settings
from app.main import create_app
from tests.conftest import make_settings


async def test_pool_exhaustion_is_a_busy_answer(settings: Settings) -> None:
    app = create_app(make_settings(settings.resolved_database_url, settings.data_dir))

    @app.get("/starved")
    async def starved() -> None:
        raise sqlalchemy.exc.TimeoutError("QueuePool limit of size 10 overflow 20 reached")

    async with LifespanManager(app):
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as c:
            response = await c.get("/starved")
    assert response.status_code == 503
    assert response.headers["retry-after"] == "2"
    assert response.json()["error"]["code"] == "server_busy"
    assert "QueuePool" not in response.text
