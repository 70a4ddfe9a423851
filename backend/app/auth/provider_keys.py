"""Provider API keys stored per workspace, used ahead of the environment's keys."""

from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncSession


async def workspace_provider_key(
    session: AsyncSession, workspace_id: uuid.UUID, provider: str
) -> tuple[str | None, str | None]:
    """(api_key, base_url) the workspace stored for `provider`, or (None, None)."""
    return None, None
