"""Members build agents and tools; only owners and admins store, change or drop credentials."""

from __future__ import annotations

import httpx
from fastapi import FastAPI

from tests.auth.conftest import join_workspace
from tests.conftest import make_client

BEARER = {
    "name": "Billing API",
    "base_url": "https://billing.example.com",
    "auth_type": "bearer",
    "secrets": {"token": "sk-member-canary-1234"},
}


async def _member_client(app: FastAPI, client: httpx.AsyncClient) -> httpx.AsyncClient:
    session = await join_workspace(app, client, "mia@example.com", name="Mia")
    return make_client(app, session["access_token"])


async def test_member_cannot_store_or_drop_credentials(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    agent = (
        await client.post(
            "/api/v1/agents", json={"name": "A", "provider": "openai", "model": "gpt-4o"}
        )
    ).json()
    integrations = f"/api/v1/agents/{agent['id']}/integrations"
    owned = (await client.post(integrations, json=BEARER)).json()

    async with await _member_client(app, client) as member:
        refused = await member.post(integrations, json=BEARER)
        assert refused.status_code == 403, refused.text
        assert refused.json()["error"]["code"] == "forbidden:credentials"
        assert "sk-member-canary" not in refused.text

        patched = await member.patch(
            f"/api/v1/integrations/{owned['id']}", json={"secrets": {"token": "sk-replaced-9999"}}
        )
        assert patched.status_code == 403
        dropped = await member.delete(f"/api/v1/integrations/{owned['id']}")
        assert dropped.status_code == 403

        # What needs no credential stays open to members.
        plain = await member.post(
            integrations, json={"name": "Public API", "base_url": "https://public.example.com"}
        )
        assert plain.status_code == 201, plain.text
        renamed = await member.patch(
            f"/api/v1/integrations/{owned['id']}", json={"name": "Billing (v2)"}
        )
        assert renamed.status_code == 200, renamed.text

    # The owner's stored secret is untouched by the refused calls.
    kept = (await client.get(f"/api/v1/integrations/{owned['id']}")).json()
    assert kept["secrets"]["token"].endswith("1234")
    assert (await client.delete(f"/api/v1/integrations/{owned['id']}")).status_code == 204
