"""WebSocket authentication on a probe endpoint that uses the real `authenticate_websocket`
and `app.state.ws_frame_guard`, exactly as the playground does."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi import FastAPI, WebSocket
from starlette.testclient import TestClient
from starlette.websockets import WebSocketDisconnect

from app.auth import ws as ws_auth
from app.auth.tokens import AccessClaims, encode_access_token
from app.config import Settings
from app.main import create_app
from tests.conftest import OWNER_A, OWNER_B, make_settings

ALLOWED = "http://localhost:3000"


def probe_app(settings: Settings) -> FastAPI:
    application = create_app(settings)

    @application.websocket("/probe")
    async def probe(websocket: WebSocket) -> None:
        principal = await ws_auth.authenticate_websocket(websocket)
        if principal is None:
            return
        await websocket.send_json({"type": "hello", "workspace_id": str(principal.workspace_id)})
        try:
            while True:
                frame = await websocket.receive_json()
                error = await websocket.app.state.ws_frame_guard(websocket, principal)
                await websocket.send_json(error or {"type": "echo", "frame": frame})
        except WebSocketDisconnect:
            return

    return application


@pytest.fixture(scope="module")
def probe_server(app: FastAPI, settings: Settings) -> Iterator[TestClient]:
    # One instance for the module (starting and stopping an app is the slow part); `app`
    # seeds the identities and cleans up; the probe app shares its database.
    with TestClient(probe_app(settings)) as test_client:
        yield test_client


@pytest.fixture
def probe(probe_server: TestClient) -> TestClient:
    probe_server.cookies.clear()
    return probe_server


def _closed_with(test_client: TestClient, code: int, frames: list[Any], **kwargs: Any) -> str:
    with (
        pytest.raises(WebSocketDisconnect) as closed,
        test_client.websocket_connect("/probe", **kwargs) as websocket,
    ):
        for frame in frames:
            websocket.send_text(frame if isinstance(frame, str) else json.dumps(frame))
        websocket.receive_json()
    assert closed.value.code == code
    return str(closed.value.reason)


def _login_cookie(test_client: TestClient) -> str:
    response = test_client.post(
        "/api/v1/auth/login", json={"email": OWNER_A.email, "password": OWNER_A.password}
    )
    token: str = response.json()["access_token"]
    return token


def test_auth_frame_with_an_api_key(probe: TestClient) -> None:
    with probe.websocket_connect("/probe") as websocket:
        websocket.send_json({"type": "auth", "token": OWNER_B.api_key})
        assert websocket.receive_json() == {
            "type": "hello",
            "workspace_id": str(OWNER_B.workspace_id),
        }


def test_auth_frame_with_an_access_token(probe: TestClient) -> None:
    token = _login_cookie(probe)
    probe.cookies.clear()
    with probe.websocket_connect("/probe") as websocket:
        websocket.send_json({"type": "auth", "token": token})
        assert websocket.receive_json()["workspace_id"] == str(OWNER_A.workspace_id)


@pytest.mark.parametrize(
    "frame",
    [
        {"type": "auth", "token": "ab_nope_nope"},
        {"type": "auth", "token": "not.a.jwt"},
        {"type": "auth"},
        {"type": "user_message", "content": "hi"},
        "not json",
        "[1, 2]",
    ],
)
def test_bad_first_frames_close_4401(probe: TestClient, frame: Any) -> None:
    _closed_with(probe, 4401, [frame])


def test_expired_token_closes_4401(probe: TestClient, app: FastAPI) -> None:
    expired = encode_access_token(
        app.state.jwt_secret,
        AccessClaims(OWNER_A.user_id, OWNER_A.workspace_id, uuid.uuid4()),
        60,
        now=datetime.now(UTC) - timedelta(hours=1),
    )
    reason = _closed_with(probe, 4401, [{"type": "auth", "token": expired}])
    assert reason == "auth_expired"


def test_revoked_api_key_closes_4401(probe: TestClient) -> None:
    headers = {"Authorization": f"Bearer {OWNER_A.api_key}"}
    created = probe.post("/api/v1/workspace/api-keys", json={"name": "ws"}, headers=headers)
    key = created.json()["key"]
    probe.delete(f"/api/v1/workspace/api-keys/{created.json()['id']}", headers=headers)
    _closed_with(probe, 4401, [{"type": "auth", "token": key}])


def test_logged_out_session_closes_4401(probe: TestClient) -> None:
    token = _login_cookie(probe)
    assert probe.post("/api/v1/auth/logout").status_code == 204
    _closed_with(probe, 4401, [{"type": "auth", "token": token}])


def test_cookie_with_an_allowed_origin(probe: TestClient) -> None:
    token = _login_cookie(probe)
    headers = {"origin": ALLOWED, "cookie": f"ab_access={token}"}
    with probe.websocket_connect("/probe", headers=headers) as websocket:
        assert websocket.receive_json()["workspace_id"] == str(OWNER_A.workspace_id)


def test_cookie_from_a_foreign_origin_closes_4403(probe: TestClient) -> None:
    token = _login_cookie(probe)
    headers = {"origin": "http://evil.example", "cookie": f"ab_access={token}"}
    _closed_with(probe, 4403, [], headers=headers)
    # A foreign page cannot fall back to an auth frame either.
    _closed_with(
        probe,
        4403,
        [{"type": "auth", "token": OWNER_A.api_key}],
        headers={"origin": "http://evil.example"},
    )


def test_cookie_without_origin_is_not_enough(probe: TestClient) -> None:
    token = _login_cookie(probe)
    _closed_with(probe, 4401, ["{}"], headers={"cookie": f"ab_access={token}"})


def test_no_auth_frame_in_time_closes_4401(
    probe: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(ws_auth, "AUTH_FRAME_TIMEOUT_S", 0.05)
    _closed_with(probe, 4401, [])


def test_frames_over_the_limit_get_an_error_frame(app: FastAPI, settings: Settings) -> None:
    limited = make_settings(
        settings.resolved_database_url, settings.data_dir, rate_limit_ws_frames="3/minute"
    )
    with (
        TestClient(probe_app(limited)) as test_client,
        test_client.websocket_connect("/probe") as websocket,
    ):
        websocket.send_json({"type": "auth", "token": OWNER_A.api_key})
        websocket.receive_json()
        for n in range(3):
            websocket.send_json({"type": "ping", "n": n})
            assert websocket.receive_json()["type"] == "echo"
        websocket.send_json({"type": "ping"})
        error = websocket.receive_json()
        assert error["type"] == "error" and error["code"] == "rate_limited"
        assert error["retryable"] is True and error["retry_after_s"] >= 1
        # Still open: the next frame is answered (and still limited).
        websocket.send_json({"type": "ping"})
        assert websocket.receive_json()["code"] == "rate_limited"
    # A new connection has its own budget.
    with (
        TestClient(probe_app(limited)) as test_client,
        test_client.websocket_connect("/probe") as websocket,
    ):
        websocket.send_json({"type": "auth", "token": OWNER_A.api_key})
        websocket.receive_json()
        websocket.send_json({"type": "ping"})
        assert websocket.receive_json()["type"] == "echo"
