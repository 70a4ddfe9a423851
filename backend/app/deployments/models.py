"""Deployments of an agent to a channel (web widget, public API); channels come later."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from app.database import Base, IdMixin, TimestampMixin


class Deployment(IdMixin, TimestampMixin, Base):
    __tablename__ = "deployments"

    agent_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("agents.id", ondelete="CASCADE"), index=True
    )
    channel: Mapped[str] = mapped_column(String(16))
    config: Mapped[dict[str, Any]] = mapped_column(default=dict)
    status: Mapped[str] = mapped_column(String(16), default="inactive")
    public_key_hash: Mapped[str | None] = mapped_column(String(128), unique=True)
