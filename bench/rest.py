"""REST scenario: agent list and read with 1,000 agents in PostgreSQL, against the same rows
read straight from PostgreSQL with asyncpg (the floor any HTTP API over this table pays)."""

from __future__ import annotations

import asyncio
import random
import time
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

import asyncpg
import httpx

from stats import diff, ms, percentile, ratio

Request = Callable[[], Awaitable[bool]]

LIST_SQL = (
    "SELECT * FROM agents WHERE workspace_id = $1 ORDER BY created_at DESC, id DESC "
    "LIMIT 20 OFFSET $2"
)
COUNT_SQL = "SELECT count(*) FROM agents WHERE workspace_id = $1"
READ_SQL = "SELECT * FROM agents WHERE id = $1 AND workspace_id = $2"


async def create_agents(http: httpx.AsyncClient, count: int, concurrency: int) -> list[str]:
    """Create `count` agents through the API (bounded concurrency); their ids."""
    gate = asyncio.Semaphore(concurrency)

    async def one(i: int) -> str | None:
        body = {"name": f"bench agent {i}", "provider": "openai", "model": "bench-model"}
        async with gate:
            response = await http.post("/api/v1/agents", json=body)
        return str(response.json()["id"]) if response.status_code == 201 else None

    ids = await asyncio.gather(*(one(i) for i in range(count)))
    return [i for i in ids if i]


async def _run(request: Request, total: int, concurrency: int) -> dict[str, Any]:
    latencies: list[float] = []
    errors = 0
    gate = asyncio.Semaphore(concurrency)

    async def one() -> None:
        nonlocal errors
        async with gate:
            started = time.perf_counter()
            ok = await request()
            latencies.append(time.perf_counter() - started)
            errors += 0 if ok else 1

    started = time.perf_counter()
    await asyncio.gather(*(one() for _ in range(total)))
    wall = time.perf_counter() - started
    return {"requests": total, "errors": errors, "wall_s": wall, "latencies": latencies}


def _summary(runs: list[dict[str, Any]]) -> dict[str, Any]:
    latencies = [x for run in runs for x in run["latencies"]]
    wall = sum(run["wall_s"] for run in runs)
    return {
        "requests": len(latencies),
        "errors": sum(run["errors"] for run in runs),
        "per_s": round(len(latencies) / wall, 1) if wall else None,
        "p50_ms": ms(percentile(latencies, 50)),
        "p99_ms": ms(percentile(latencies, 99)),
    }


async def rest_scenario(
    http: httpx.AsyncClient,
    dsn: str,
    agent_ids: list[str],
    *,
    requests: int,
    concurrency: int,
    rounds: int,
) -> dict[str, Any]:
    """Interleave API and raw-SQL phases for list and read; compare them."""
    pool = await asyncpg.create_pool(dsn, min_size=concurrency, max_size=concurrency)
    try:
        workspace = (await pool.fetchrow("SELECT workspace_id FROM agents LIMIT 1"))["workspace_id"]
        uuids = [uuid.UUID(i) for i in agent_ids]
        rng = random.Random(8)
        max_offset = max(0, len(agent_ids) - 20)

        async def api_list() -> bool:
            offset = rng.randint(0, max_offset)
            response = await http.get("/api/v1/agents", params={"limit": 20, "offset": offset})
            return response.status_code == 200

        async def api_read() -> bool:
            response = await http.get(f"/api/v1/agents/{rng.choice(agent_ids)}")
            return response.status_code == 200

        async def sql_list() -> bool:
            async with pool.acquire() as conn:
                await conn.fetchval(COUNT_SQL, workspace)
                await conn.fetch(LIST_SQL, workspace, rng.randint(0, max_offset))
            return True

        async def sql_read() -> bool:
            row = await pool.fetchrow(READ_SQL, rng.choice(uuids), workspace)
            return row is not None

        pairs = {"list": (api_list, sql_list), "read": (api_read, sql_read)}
        result: dict[str, Any] = {"agents": len(agent_ids), "concurrency": concurrency}
        for name, (api, sql) in pairs.items():
            api_runs, sql_runs = [], []
            for _ in range(rounds):
                sql_runs.append(await _run(sql, requests, concurrency))
                api_runs.append(await _run(api, requests, concurrency))
            platform, direct = _summary(api_runs), _summary(sql_runs)
            result[name] = {
                "direct_sql": direct,
                "platform": platform,
                "added_p50_ms": diff(platform["p50_ms"], direct["p50_ms"]),
                "added_p99_ms": diff(platform["p99_ms"], direct["p99_ms"]),
                "throughput_ratio": ratio(platform["per_s"], direct["per_s"]),
            }
        return result
    finally:
        await pool.close()
