"""Integrations (a custom API, a built-in tool set) and the tools each one exposes."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import Boolean, Float, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.database import Base, IdMixin, TimestampMixin


class Integration(IdMixin, TimestampMixin, Base):
    __tablename__ = "integrations"

    agent_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("agents.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(32), default="custom_api")
    name: Mapped[str] = mapped_column(String(200))
    base_url: Mapped[str | None] = mapped_column(String(2048))
    auth_type: Mapped[str] = mapped_column(String(32), default="none")
    auth_config: Mapped[dict[str, Any]] = mapped_column(default=dict)
    credential_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("encrypted_credentials.id", ondelete="SET NULL"), index=True
    )
    openapi_spec: Mapped[dict[str, Any] | None] = mapped_column()
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)


class Tool(IdMixin, TimestampMixin, Base):
    __tablename__ = "tools"
    # Tool names are unique per agent; agent_id is denormalised here so the database enforces it.
    __table_args__ = (UniqueConstraint("agent_id", "name"),)

    integration_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("integrations.id", ondelete="CASCADE"), index=True
    )
    agent_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("agents.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(64))
    description: Mapped[str] = mapped_column(Text, default="")
    method: Mapped[str] = mapped_column(String(8), default="GET")
    path: Mapped[str] = mapped_column(String(2048), default="/")
    input_schema: Mapped[dict[str, Any]] = mapped_column(default=dict)
    output_schema: Mapped[dict[str, Any] | None] = mapped_column()
    # Imported operations: where each argument goes and how it is serialised (see
    # app.integrations.openapi.operation); null for hand-made tools.
    request_spec: Mapped[dict[str, Any] | None] = mapped_column()
    timeout_s: Mapped[float] = mapped_column(Float, default=30.0)
    preprocess: Mapped[str | None] = mapped_column(Text)
    postprocess: Mapped[str | None] = mapped_column(Text)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
