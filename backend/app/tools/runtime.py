"""What a tool needs at call time, built once in the app lifespan (app.state.tool_runtime)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.config import Settings
from app.llm.base import Model
from app.tools.egress import EgressGuard


def default_model_factory(*args: Any, **kwargs: Any) -> Model:
    """app.llm.registry.get_model, imported on first use."""
    from app.llm.registry import get_model

    model: Model = get_model(*args, **kwargs)
    return model


@dataclass
class ToolRuntime:
    settings: Settings
    sessionmaker: async_sessionmaker[AsyncSession]
    redis: Redis | None
    egress: EgressGuard
    # Called as model_factory(provider, model, settings=..., api_key=..., base_url=...).
    model_factory: Callable[..., Model] = field(default=default_model_factory)
