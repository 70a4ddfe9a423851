"""Who is calling, and which workspace they act in.

Every route that touches workspace data depends on `CurrentPrincipal` and scopes its queries
by `principal.workspace_id`.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends

DEFAULT_WORKSPACE_ID = uuid.UUID("00000000-0000-0000-0000-000000000001")


@dataclass(frozen=True)
class Principal:
    workspace_id: uuid.UUID
    user_id: uuid.UUID | None = None
    role: str = "owner"


async def current_principal() -> Principal:
    return Principal(workspace_id=DEFAULT_WORKSPACE_ID)


CurrentPrincipal = Annotated[Principal, Depends(current_principal)]
