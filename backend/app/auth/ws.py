"""WebSocket authentication.

`authenticate_websocket` accepts the socket and runs before any agent data is sent. Browsers
authenticate with the session cookie, which counts only with an allowed Origin (CORS does not
cover WebSockets, so this check is what stops another site from opening a socket with the
user's cookie); scripts send a first frame `{"type": "auth", "token": "<jwt or API key>"}`
within AUTH_FRAME_TIMEOUT_S. Tokens never go in the URL.

Close codes: 4403 when an Origin is sent and not allowed; 4401 for a missing, invalid, expired
or revoked token (or no auth frame in time). It returns the caller's Principal, or None once
the socket is closed.
"""

from __future__ import annotations

import asyncio
import json

from fastapi import WebSocket
from starlette.websockets import WebSocketDisconnect

from app.auth import service
from app.auth.deps import ACCESS_COOKIE, jwt_secret_of, origin_allowed
from app.auth.principal import Principal
from app.database import sessionmaker_from
from app.exceptions import AuthenticationError

WS_AUTH_FAILED = 4401
WS_ORIGIN_REFUSED = 4403
AUTH_FRAME_TIMEOUT_S = 10.0
_MAX_AUTH_FRAME_CHARS = 8192


async def _principal_for(websocket: WebSocket, token: str) -> Principal | None:
    async with sessionmaker_from(websocket)() as session:
        try:
            return await service.authenticate_token(session, jwt_secret_of(websocket), token)
        except AuthenticationError as exc:
            await websocket.close(code=WS_AUTH_FAILED, reason=exc.code)
            return None


async def _auth_frame_token(websocket: WebSocket) -> str | None:
    try:
        message = await asyncio.wait_for(websocket.receive(), timeout=AUTH_FRAME_TIMEOUT_S)
    except TimeoutError:
        return None
    if message["type"] == "websocket.disconnect":
        raise WebSocketDisconnect(message.get("code", 1000))
    text = message.get("text")
    if not isinstance(text, str) or len(text) > _MAX_AUTH_FRAME_CHARS:
        return None
    try:
        frame = json.loads(text)
    except ValueError:
        return None
    if not isinstance(frame, dict) or frame.get("type") != "auth":
        return None
    token = frame.get("token")
    return token if isinstance(token, str) and token else None


async def authenticate_websocket(websocket: WebSocket) -> Principal | None:
    await websocket.accept()
    origin = websocket.headers.get("origin")
    if origin and not origin_allowed(websocket, origin):
        await websocket.close(code=WS_ORIGIN_REFUSED, reason="origin not allowed")
        return None
    cookie = websocket.cookies.get(ACCESS_COOKIE)
    if cookie and origin:
        return await _principal_for(websocket, cookie)
    try:
        token = await _auth_frame_token(websocket)
    except WebSocketDisconnect:
        return None
    if token is None:
        await websocket.close(code=WS_AUTH_FAILED, reason="authentication required")
        return None
    return await _principal_for(websocket, token)
