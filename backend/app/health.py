"""GET /health: is the database reachable, is Redis (when configured)?"""

from __future__ import annotations

import asyncio
from typing import Literal

from fastapi import APIRouter, Request, Response
from pydantic import BaseModel
from sqlalchemy import text

from app import __version__

router = APIRouter(tags=["health"])

CheckState = Literal["ok", "error", "disabled"]


class HealthPublic(BaseModel):
    status: Literal["ok", "degraded"]
    version: str
    database: CheckState
    redis: CheckState


async def _check_database(request: Request) -> CheckState:
    try:
        async with request.app.state.engine.connect() as conn:
            await asyncio.wait_for(conn.execute(text("SELECT 1")), timeout=5)
    except Exception:
        return "error"
    return "ok"


async def _check_redis(request: Request) -> CheckState:
    redis = request.app.state.redis
    if redis is None:
        return "disabled"
    try:
        await asyncio.wait_for(redis.ping(), timeout=3)
    except Exception:
        return "error"
    return "ok"


@router.get("/health", response_model=HealthPublic)
async def health(request: Request, response: Response) -> HealthPublic:
    database, redis = await asyncio.gather(_check_database(request), _check_redis(request))
    healthy = database == "ok" and redis != "error"
    if not healthy:
        response.status_code = 503
    return HealthPublic(
        status="ok" if healthy else "degraded", version=__version__, database=database, redis=redis
    )
