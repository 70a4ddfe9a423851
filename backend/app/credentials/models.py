"""Encrypted credentials: secrets at rest, AES-256-GCM, bound to their id and workspace."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from app.database import Base, IdMixin, TimestampMixin


class EncryptedCredential(IdMixin, TimestampMixin, Base):
    __tablename__ = "encrypted_credentials"

    workspace_id: Mapped[uuid.UUID] = mapped_column(index=True)
    kind: Mapped[str] = mapped_column(String(32))
    ciphertext: Mapped[bytes] = mapped_column(LargeBinary)
    nonce: Mapped[bytes] = mapped_column(LargeBinary)
    key_version: Mapped[int] = mapped_column(Integer, index=True)
    expires_at: Mapped[datetime | None] = mapped_column()
    credential_metadata: Mapped[dict[str, Any]] = mapped_column(default=dict)
    rotated_at: Mapped[datetime | None] = mapped_column()
