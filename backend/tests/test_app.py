"""Cross-cutting HTTP behaviour: health, unknown routes, the OpenAPI document."""

from __future__ import annotations

import httpx
from asgi_lifespan import LifespanManager

from app.config import Settings
from app.main import create_app
from tests.conftest import REDIS_URL, make_settings


async def test_health_reports_database_and_redis(client: httpx.AsyncClient) -> None:
    response = await client.get("/health")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["database"] == "ok"
    assert body["redis"] == ("ok" if REDIS_URL else "disabled")


async def test_health_degrades_when_redis_is_unreachable(settings: Settings) -> None:
    broken = make_settings(
        settings.resolved_database_url, settings.data_dir, redis_url="redis://127.0.0.1:1/0"
    )
    app = create_app(broken)
    async with LifespanManager(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as c:
            response = await c.get("/health")
    assert response.status_code == 503
    assert response.json()["redis"] == "error"
    assert response.json()["database"] == "ok"


async def test_unknown_route_and_method_use_the_error_format(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/v1/nothing-here")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"
    response = await client.put("/api/v1/agents")
    assert response.status_code == 405
    assert response.json()["error"]["code"] == "method_not_allowed"


async def test_openapi_has_readable_operation_ids(client: httpx.AsyncClient) -> None:
    spec = (await client.get("/openapi.json")).json()
    ids = {op["operationId"] for path in spec["paths"].values() for op in path.values()}
    assert {"create_agent", "list_agents", "read_agent", "update_agent", "delete_agent"} <= ids
    assert "model_config" in spec["components"]["schemas"]["AgentCreate"]["properties"]
    assert (await client.get("/docs")).status_code == 200
