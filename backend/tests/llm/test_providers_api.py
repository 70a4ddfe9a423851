"""GET /api/v1/providers."""

from __future__ import annotations

import httpx


async def test_lists_every_provider_with_its_models(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/v1/providers")
    assert response.status_code == 200
    items = {item["name"]: item for item in response.json()["items"]}
    assert set(items) == {"anthropic", "openai", "openai_compatible", "google"}
    # The test settings carry no vendor keys.
    assert items["openai"]["configured"] is False
    assert items["openai"]["configured_via"] is None
    assert "OPENAI_API_KEY" in items["openai"]["how_to_configure"]
    model = items["openai"]["models"][0]
    assert set(model) == {"id", "label", "input_usd_per_mtok", "output_usd_per_mtok"}
    assert items["google"]["label"] == "Google Gemini"


async def test_requires_authentication(anon_client: httpx.AsyncClient) -> None:
    response = await anon_client.get("/api/v1/providers")
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "auth_required"
