"""The authenticated caller: which workspace they act in, as whom, with which role."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from app.auth.models import Role

DEFAULT_WORKSPACE_ID = uuid.UUID("00000000-0000-0000-0000-000000000001")
"""The first workspace (created at setup) takes this id, adopting data made before setup."""


@dataclass(frozen=True)
class Principal:
    workspace_id: uuid.UUID
    user_id: uuid.UUID | None = None
    role: str = Role.member.value
    api_key_id: uuid.UUID | None = None
    # The login (refresh-token family) an access token belongs to; None for API keys.
    session_id: uuid.UUID | None = None

    def has_role(self, at_least: Role) -> bool:
        return Role(self.role).rank >= at_least.rank
