"""A fake OAuth2 authorization server plus one protected API, on 127.0.0.1.

- POST /token: grant_type=client_credentials (client_id/client_secret in the form or Basic
  auth) or grant_type=refresh_token. Issues access tokens `at-<n>` that live `expires_in`
  seconds and rotates refresh tokens: each refresh returns a new `rt-<n>` and the old one stops
  working (invalid_grant).
- GET /api/me: 200 with the token's subject for a live token, 401 otherwise.
- `revoke_access_tokens()` kills every access token early (the next call gets 401).
"""

from __future__ import annotations

import base64
import itertools
import threading
from dataclasses import dataclass, field
from urllib.parse import parse_qs

from tests.fakes.http_tool_server import FakeToolServer, RecordedRequest, Reply, json_reply


@dataclass
class FakeOAuthServer:
    client_id: str = "client-123"
    client_secret: str = "client-secret-CANARY-0001"
    refresh_token: str = "rt-initial-CANARY-0002"
    expires_in: int = 3600
    token_requests: list[dict[str, str]] = field(default_factory=list)
    live_tokens: set[str] = field(default_factory=set)
    # Set to make the token endpoint wait (so concurrent refreshes overlap).
    token_gate: threading.Event | None = None

    def __post_init__(self) -> None:
        self._counter = itertools.count(1)
        self._lock = threading.Lock()
        self.http = FakeToolServer()
        self.http.route("POST", "/token", self._token)
        self.http.route("GET", "/api/me", self._me)

    @property
    def url(self) -> str:
        return self.http.url

    @property
    def token_url(self) -> str:
        return f"{self.url}/token"

    def revoke_access_tokens(self) -> None:
        with self._lock:
            self.live_tokens.clear()

    def _client_ok(self, request: RecordedRequest, form: dict[str, str]) -> bool:
        auth = request.header("Authorization") or ""
        if auth.startswith("Basic "):
            pair = base64.b64decode(auth[6:]).decode()
            return pair == f"{self.client_id}:{self.client_secret}"
        return form.get("client_id") == self.client_id and form.get("client_secret") in (
            self.client_secret,
            None,
        )

    def _token(self, request: RecordedRequest) -> Reply:
        if self.token_gate is not None:
            self.token_gate.wait(timeout=10)
        form = {k: v[0] for k, v in parse_qs(request.body.decode()).items()}
        with self._lock:
            self.token_requests.append(form)
            if not self._client_ok(request, form):
                return json_reply(401, {"error": "invalid_client"})
            grant = form.get("grant_type")
            body: dict[str, object] = {"token_type": "Bearer", "expires_in": self.expires_in}
            n = next(self._counter)
            if grant == "refresh_token":
                if form.get("refresh_token") != self.refresh_token:
                    return json_reply(400, {"error": "invalid_grant"})
                self.refresh_token = f"rt-{n}-rotated"
                body["refresh_token"] = self.refresh_token
            elif grant != "client_credentials":
                return json_reply(400, {"error": "unsupported_grant_type"})
            token = f"at-{n}"
            self.live_tokens.add(token)
            body["access_token"] = token
            return json_reply(200, body)

    def _me(self, request: RecordedRequest) -> Reply:
        auth = request.header("Authorization") or ""
        token = auth.removeprefix("Bearer ")
        with self._lock:
            live = auth.startswith("Bearer ") and token in self.live_tokens
        if not live:
            return json_reply(401, {"error": "invalid_token"})
        return json_reply(200, {"subject": "user-1", "token": token})

    def __enter__(self) -> FakeOAuthServer:
        self.http.start()
        return self

    def __exit__(self, *exc: object) -> None:
        if self.token_gate is not None:
            self.token_gate.set()
        self.http.stop()
