"""Past the cap of 128 tools per import: the preview lists every operation, the import takes a
selection (by tag, path, method, operation id or key) and a name prefix."""

from __future__ import annotations

import json
from typing import Any

import httpx
from fastapi import FastAPI
from sqlalchemy import func, select

from app.integrations.models import Tool
from tests.integrations.conftest import assert_error

RESOURCES = ["files", "folders", "users", "groups", "tasks", "comments", "webhooks"]


def box_like(operations: int = 175) -> dict[str, Any]:
    """`operations` operations over a few tagged resources, like Box's 175."""
    paths: dict[str, Any] = {}
    count = 0
    i = 0
    while count < operations:
        resource = RESOURCES[i % len(RESOURCES)]
        item: dict[str, Any] = {}
        for method in ("get", "post", "delete"):
            if count == operations:
                break
            item[method] = {
                "operationId": f"{method}_{resource}_{i}",
                "tags": [resource.capitalize()],
                "summary": f"{method} {resource} {i}",
                "responses": {"200": {"description": "ok"}},
            }
            count += 1
        paths[f"/{resource}/v{i}"] = item
        i += 1
    return {
        "openapi": "3.0.3",
        "info": {"title": "Box-like", "version": "1"},
        "servers": [{"url": "https://api.box.example/2.0"}],
        "paths": paths,
    }


def url(agent: dict[str, Any]) -> str:
    return f"/api/v1/agents/{agent['id']}/integrations/import-openapi"


async def tool_count(app: FastAPI) -> int:
    async with app.state.sessionmaker() as session:
        return await session.scalar(select(func.count()).select_from(Tool)) or 0


async def test_a_dry_run_past_the_cap_lists_every_operation_and_asks_to_choose(
    client: httpx.AsyncClient, agent: dict[str, Any]
) -> None:
    spec = json.dumps(box_like())
    response = await client.post(url(agent), json={"spec": spec, "dry_run": True})
    assert response.status_code == 200, response.text
    result = response.json()
    assert result["total_operations"] == 175 and result["max_tools"] == 128
    assert len(result["operations"]) == 175 and result["tools"] == []
    assert not any(op["selected"] for op in result["operations"])
    first = result["operations"][0]
    assert first == {
        "key": "GET /files/v0",
        "method": "GET",
        "path": "/files/v0",
        "operation_id": "get_files_0",
        "tags": ["Files"],
        "summary": "get files 0",
        "tool_name": "get_files_0",
        "selected": False,
        "deprecated": False,
    }
    assert any("at most 128 can be imported" in w["message"] for w in result["warnings"])


async def test_a_real_import_past_the_cap_says_how_to_choose_and_writes_nothing(
    app: FastAPI, client: httpx.AsyncClient, agent: dict[str, Any]
) -> None:
    response = await client.post(url(agent), json={"spec": json.dumps(box_like())})
    error = assert_error(response, 422, "too_many_operations")
    assert "175 operations" in error["message"] and "selection" in error["message"]
    assert "tag" in error["message"] and "operation id" in error["message"]
    assert await tool_count(app) == 0


async def test_selection_by_tag_method_path_operation_id_and_key(
    app: FastAPI, client: httpx.AsyncClient, agent: dict[str, Any]
) -> None:
    spec = json.dumps(box_like())

    async def selected(selection: dict[str, Any]) -> list[str]:
        body = {"spec": spec, "dry_run": True, "selection": selection}
        response = await client.post(url(agent), json=body)
        assert response.status_code == 200, response.text
        result = response.json()
        names = [t["name"] for t in result["tools"]]
        assert names == [op["tool_name"] for op in result["operations"] if op["selected"]]
        return names

    files_get = await selected({"tags": ["Files"], "methods": ["get"]})
    assert files_get and all(n.startswith("get_files_") for n in files_get)
    assert len(await selected({"tags": ["Files", "Users"]})) == 27 + 25
    assert await selected({"paths": ["/users/v2"]}) == [
        "get_users_2",
        "post_users_2",
        "delete_users_2",
    ]
    assert await selected({"operation_ids": ["post_tasks_4", "delete_groups_3"]}) == [
        "delete_groups_3",
        "post_tasks_4",
    ]
    assert await selected({"operations": ["delete /comments/v5", "GET /comments/v5"]}) == [
        "get_comments_5",
        "delete_comments_5",
    ]
    none = await client.post(
        url(agent), json={"spec": spec, "dry_run": True, "selection": {"tags": ["Nope"]}}
    )
    assert (
        "matches none of the 175 operations" in assert_error(none, 422, "invalid_spec")["message"]
    )

    created = await client.post(url(agent), json={"spec": spec, "selection": {"tags": ["Folders"]}})
    assert created.status_code == 201, created.text
    assert len(created.json()["tools"]) == 27 == await tool_count(app)


async def test_a_name_prefix_lets_two_specs_with_the_same_names_share_an_agent(
    client: httpx.AsyncClient, agent: dict[str, Any]
) -> None:
    spec = json.dumps(box_like(6))
    first = await client.post(url(agent), json={"spec": spec})
    assert first.status_code == 201, first.text
    clash = await client.post(url(agent), json={"spec": spec})
    assert_error(clash, 409, "conflict:tool_name")
    second = await client.post(url(agent), json={"spec": spec, "name_prefix": "eu_"})
    assert second.status_code == 201, second.text
    assert [t["name"] for t in second.json()["tools"]][:2] == ["eu_get_files_0", "eu_post_files_0"]
    assert all(op["tool_name"].startswith("eu_") for op in second.json()["operations"])

    long_id = {
        "openapi": "3.0.3",
        "info": {"title": "Long", "version": "1"},
        "servers": [{"url": "https://l.example"}],
        "paths": {
            f"/x{i}": {
                "get": {"operationId": "a" * 70, "responses": {"200": {"description": "ok"}}}
            }
            for i in range(3)
        },
    }
    body = {"spec": json.dumps(long_id), "name_prefix": "p" * 32, "dry_run": True}
    names = [t["name"] for t in (await client.post(url(agent), json=body)).json()["tools"]]
    assert len(set(names)) == 3 and all(len(n) <= 64 and n.startswith("p" * 32) for n in names)
    bad = await client.post(url(agent), json={**body, "name_prefix": "has space"})
    assert_error(bad, 422, "validation_error")


async def test_an_import_that_takes_the_agent_past_a_vendor_limit_says_so(
    client: httpx.AsyncClient, agent: dict[str, Any]
) -> None:
    first = await client.post(url(agent), json={"spec": json.dumps(box_like(100))})
    assert first.status_code == 201, first.text
    assert not any("OpenAI" in w["message"] for w in first.json()["warnings"])
    body = {"spec": json.dumps(box_like(40)), "name_prefix": "more_", "dry_run": True}
    preview = await client.post(url(agent), json=body)
    assert preview.status_code == 200, preview.text
    warning = next(w for w in preview.json()["warnings"] if "OpenAI" in w["message"])
    assert "140 enabled tools" in warning["message"] and warning["path"] is None
