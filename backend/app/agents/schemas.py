"""Agent wire schemas: AgentCreate / AgentUpdate / AgentPublic / AgentsPublic."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Annotated

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    field_validator,
    model_validator,
)

from app.llm.names import ProviderName
from app.tools.egress_transport import check_url_spelling
from app.validation import HttpUrl


class AgentStatus(StrEnum):
    draft = "draft"
    active = "active"
    inactive = "inactive"


Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
ModelName = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Description = Annotated[str, StringConstraints(max_length=2000)]
SystemPrompt = Annotated[str, StringConstraints(max_length=100_000)]


class LLMConfig(BaseModel):
    """Sampling and run settings, stored in the agent's `model_config` JSON column."""

    model_config = ConfigDict(extra="forbid")

    temperature: float | None = Field(default=None, ge=0, le=2)
    max_tokens: int | None = Field(default=None, ge=1, le=1_000_000)
    top_p: float | None = Field(default=None, ge=0, le=1)
    max_turns: int | None = Field(
        default=None, ge=1, le=50, description="Model calls per user message (default 8)"
    )
    base_url: HttpUrl | None = Field(
        default=None, description="Server URL for provider openai_compatible (Ollama, vLLM, ...)"
    )

    @field_validator("base_url", mode="before")
    @classmethod
    def _plain_ip_spelling(cls, value: object) -> object:
        # Before URL parsing, which would rewrite `0177.0.0.1` to 127.0.0.1 (and `010.0.0.1`
        # to 8.0.0.1): what was typed is refused rather than silently reinterpreted.
        if isinstance(value, str):
            check_url_spelling(value, ValueError)
        return value


class _AgentFields(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class AgentCreate(_AgentFields):
    name: Name
    description: Description = ""
    system_prompt: SystemPrompt = ""
    provider: ProviderName
    model: ModelName
    llm_config: LLMConfig = Field(default_factory=LLMConfig, alias="model_config")
    status: AgentStatus = AgentStatus.draft


class AgentUpdate(_AgentFields):
    name: Name | None = None
    description: Description | None = None
    system_prompt: SystemPrompt | None = None
    provider: ProviderName | None = None
    model: ModelName | None = None
    llm_config: LLMConfig | None = Field(default=None, alias="model_config")
    status: AgentStatus | None = None

    @model_validator(mode="after")
    def _no_nulls(self) -> AgentUpdate:
        nulled = sorted(f for f in self.model_fields_set if getattr(self, f) is None)
        if nulled:
            raise ValueError(f"{', '.join(nulled)} may be left out but not set to null")
        return self


class AgentPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True, populate_by_name=True)

    id: uuid.UUID
    name: str
    description: str
    system_prompt: str
    provider: ProviderName
    model: str
    llm_config: LLMConfig = Field(alias="model_config")
    status: AgentStatus
    created_at: datetime
    updated_at: datetime
    last_activity_at: datetime | None = Field(
        default=None, description="When its newest conversation last changed"
    )


class AgentsPublic(BaseModel):
    items: list[AgentPublic]
    total: int
    limit: int
    offset: int
