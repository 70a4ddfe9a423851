"""The agents table."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.database import Base, IdMixin, TimestampMixin


class Agent(IdMixin, TimestampMixin, Base):
    __tablename__ = "agents"
    __table_args__ = (Index("ix_agents_workspace_id_created_at", "workspace_id", "created_at"),)

    workspace_id: Mapped[uuid.UUID] = mapped_column(index=True)
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    system_prompt: Mapped[str] = mapped_column(Text, default="")
    provider: Mapped[str] = mapped_column(String(32))
    model: Mapped[str] = mapped_column(String(200))
    # `model_config` is Pydantic's reserved name: the attribute is `llm_config`, the column and
    # the wire name stay `model_config`.
    llm_config: Mapped[dict[str, Any]] = mapped_column("model_config", default=dict)
    status: Mapped[str] = mapped_column(String(16), default="draft", index=True)
