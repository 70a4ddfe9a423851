"""What a tool needs at call time, built once in the app lifespan (app.state.tool_runtime)."""

from __future__ import annotations

from dataclasses import InitVar, dataclass, field

from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.config import Settings
from app.llm.registry import ModelFactory
from app.tools.egress import EgressGuard
from app.tools.egress_transport import ModelEgress


@dataclass
class ToolRuntime:
    settings: Settings
    sessionmaker: async_sessionmaker[AsyncSession]
    redis: Redis | None
    egress: EgressGuard
    # The app's ModelFactory (app.state.models), for pre/post-process prompts; by default one
    # on this runtime's guard that reads the workspace's provider keys.
    model_factory: InitVar[ModelFactory | None] = None
    models: ModelFactory = field(init=False)

    def __post_init__(self, model_factory: ModelFactory | None) -> None:
        if model_factory is None:
            from app.auth.provider_keys import workspace_provider_key

            model_factory = ModelFactory(
                self.settings, ModelEgress(self.egress), keys=workspace_provider_key
            )
        self.models = model_factory
