"""Apply an integration's authentication to an outgoing request, at call time.

Secrets are read from the integration's encrypted credential through a short session of the
runtime's sessionmaker on every call, so rotated OAuth tokens are seen by every worker.

OAuth2 (client credentials or refresh token): the access token is fetched when missing or
expired (30 s early) and once more when a call answers 401. Concurrent refreshes of one
credential collapse into one: a Redis lock when Redis is configured, an in-process lock
otherwise; whoever gets the lock second finds the new token already stored and uses it.

Credentials are bound to where they were saved for: `credentials_go_to` tells whether a request
URL is on the integration's own origin (scheme, host, port), and a caller attaches the prepared
headers and parameters only there. The token request goes to the saved token URL alone: a
redirect from it is refused, never followed with the client secret in its body.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
import logging
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import httpx
from redis.exceptions import RedisError

from app.credentials import service as credentials
from app.credentials.crypto import DecryptionError
from app.credentials.redact import redact, remember_secrets
from app.database import utcnow
from app.integrations.auth_types import ACCESS_TOKEN_FIELD, AuthType, masked_view
from app.integrations.models import Integration
from app.redis import redis_key
from app.tools.egress import EgressError
from app.tools.runtime import ToolRuntime

logger = logging.getLogger(__name__)
EXPIRY_MARGIN = timedelta(seconds=30)
CREDENTIAL_KIND = "integration"
_local_locks: dict[uuid.UUID, asyncio.Lock] = {}
# RFC 6749 section 5.2: the only error codes a token endpoint's answer is quoted with verbatim.
OAUTH_ERROR_CODES = {
    "invalid_request",
    "invalid_client",
    "invalid_grant",
    "unauthorized_client",
    "unsupported_grant_type",
    "invalid_scope",
}

Origin = tuple[str, str, int]


def origin_of(url: str) -> Origin | None:
    """(scheme, host, port) with the default port filled in; None for a URL that does not
    parse or has no host."""
    try:
        parsed = httpx.URL(url)
    except (httpx.InvalidURL, TypeError, ValueError):
        return None
    if not parsed.host or parsed.scheme not in ("http", "https"):
        return None
    port = parsed.port or (443 if parsed.scheme == "https" else 80)
    return parsed.scheme, parsed.host.lower().rstrip("."), port


def show_origin(origin: Origin | None) -> str:
    if origin is None:
        return "(none)"
    scheme, host, port = origin
    default = 443 if scheme == "https" else 80
    host = f"[{host}]" if ":" in host else host
    return f"{scheme}://{host}" + ("" if port == default else f":{port}")


def credentials_go_to(integration_base_url: str | None, request_url: str) -> bool:
    """Whether a request to `request_url` may carry the credentials of an integration saved
    for `integration_base_url`: only when both are on the same origin."""
    saved = origin_of(integration_base_url or "")
    return saved is not None and saved == origin_of(request_url)


class ToolAuthError(Exception):
    """Authentication could not be applied; the message is safe to show (no secret)."""


@dataclass
class PreparedAuth:
    headers: dict[str, str]
    params: dict[str, str]
    access_token: str | None = None


class Authenticator:
    """One integration's authentication, for one tool call (or test)."""

    def __init__(self, integration: Integration, workspace_id: uuid.UUID, runtime: ToolRuntime):
        self.integration = integration
        self.workspace_id = workspace_id
        self.runtime = runtime
        self.auth_type = AuthType(integration.auth_type)
        self.config: dict[str, Any] = dict(integration.auth_config or {})
        self._secrets: dict[str, str] = {}
        self.refresh_count = 0

    @property
    def sends_credentials(self) -> bool:
        return self.auth_type is not AuthType.none

    def secret_values(self) -> list[str]:
        """Every secret value seen during this call, and the forms derived from them (a Basic
        pair's base64), for scrubbing what the tool returns."""
        values = list(self._secrets.values())
        if self.auth_type is AuthType.basic and "password" in self._secrets:
            values += _basic_forms(str(self.config.get("username", "")), self._secrets["password"])
        if self.auth_type is AuthType.oauth2 and self._secrets.get("client_secret"):
            client_id = str(self.config.get("client_id", ""))
            values += _basic_forms(client_id, self._secrets["client_secret"])
        return values

    def scrub(self, exc: Exception) -> None:
        """Cut this call's secrets out of an exception's message before anyone shows it."""
        secrets = self.secret_values()
        exc.args = tuple(redact(list(exc.args), secrets))
        if isinstance(exc, EgressError):
            exc.message = redact(exc.message, secrets)
            exc.details = redact(exc.details, secrets)

    async def _load(self) -> tuple[dict[str, str], datetime | None]:
        credential_id = self.integration.credential_id
        if credential_id is None:
            return {}, None
        async with self.runtime.sessionmaker() as session:
            row = await credentials.get_credential(session, self.workspace_id, credential_id)
            if row is None:
                return {}, None
            try:
                secret = await credentials.reveal_secret(session, row)
            except DecryptionError:
                raise ToolAuthError(
                    f"The secrets of integration '{self.integration.name}' do not decrypt "
                    "(was ENCRYPTION_KEYS changed?); enter them again"
                ) from None
        self._secrets.update(secret)
        # The derived forms are this workspace's secrets too (its traces scrub them).
        remember_secrets(self.workspace_id, self.secret_values())
        return secret, row.expires_at

    def _need(self, secrets: dict[str, str], field: str, label: str) -> str:
        value = secrets.get(field)
        if not value:
            raise ToolAuthError(
                f"Integration '{self.integration.name}' has no {label} set; add it in the "
                "integration's settings"
            )
        return value

    async def prepare(self, *, stale_token: str | None = None) -> PreparedAuth:
        """Headers and query parameters to add; `stale_token` forces an OAuth refresh unless
        another call already replaced that token."""
        secrets, expires_at = await self._load()
        headers: dict[str, str] = {}
        params: dict[str, str] = {}
        match self.auth_type:
            case AuthType.none:
                pass
            case AuthType.api_key:
                key = self._need(secrets, "api_key", "API key")
                target = params if self.config.get("location") == "query" else headers
                target[str(self.config.get("name") or "X-API-Key")] = key
            case AuthType.bearer:
                headers["Authorization"] = f"Bearer {self._need(secrets, 'token', 'token')}"
            case AuthType.basic:
                password = self._need(secrets, "password", "password")
                pair = f"{self.config.get('username', '')}:{password}".encode()
                headers["Authorization"] = f"Basic {base64.b64encode(pair).decode()}"
            case AuthType.custom_headers:
                headers.update({k: v for k, v in secrets.items() if k != ACCESS_TOKEN_FIELD})
            case AuthType.oauth2:
                token = await self._access_token(secrets, expires_at, stale_token)
                headers["Authorization"] = f"Bearer {token}"
                return PreparedAuth(headers, params, token)
        return PreparedAuth(headers, params)

    # --- OAuth2 ----------------------------------------------------------------------------

    @staticmethod
    def _fresh(secrets: dict[str, str], expires_at: datetime | None, stale: str | None) -> bool:
        token = secrets.get(ACCESS_TOKEN_FIELD)
        if not token or token == stale:
            return False
        return expires_at is None or expires_at - EXPIRY_MARGIN > utcnow()

    async def _access_token(
        self, secrets: dict[str, str], expires_at: datetime | None, stale: str | None
    ) -> str:
        if self._fresh(secrets, expires_at, stale):
            return secrets[ACCESS_TOKEN_FIELD]
        async with self._refresh_lock():
            # Someone may have refreshed while we waited: read again before asking for a token.
            secrets, expires_at = await self._load()
            if self._fresh(secrets, expires_at, stale):
                return secrets[ACCESS_TOKEN_FIELD]
            return await self._refresh(secrets)

    @asynccontextmanager
    async def _refresh_lock(self) -> AsyncIterator[None]:
        """One refresher per credential: across workers via Redis, else in this process."""
        credential_id = self.integration.credential_id
        if credential_id is None:
            raise ToolAuthError(f"Integration '{self.integration.name}' has no credentials set")
        redis = self.runtime.redis
        if redis is not None:
            name = redis_key(self.runtime.settings, "oauth-refresh", str(credential_id))
            timeout = self.runtime.settings.tool_default_timeout_s + 5
            lock = redis.lock(name, timeout=timeout, blocking_timeout=timeout)
            try:
                acquired: bool | None = await lock.acquire()
            except RedisError:
                logger.warning("Redis unavailable for the OAuth refresh lock; locking locally")
                acquired = None
            if acquired is False:
                raise ToolAuthError("Timed out waiting for another OAuth token refresh")
            if acquired:
                try:
                    yield
                finally:
                    with contextlib.suppress(RedisError):
                        await lock.release()
                return
        local = _local_locks.setdefault(credential_id, asyncio.Lock())
        async with local:
            yield

    async def _refresh(self, secrets: dict[str, str]) -> str:
        grant = self.config.get("grant_type", "client_credentials")
        form: dict[str, str] = {"grant_type": grant}
        if grant == "refresh_token":
            form["refresh_token"] = self._need(secrets, "refresh_token", "refresh token")
        elif not secrets.get("client_secret"):
            self._need(secrets, "client_secret", "client secret")
        headers: dict[str, str] = {"Accept": "application/json"}
        client_id = str(self.config.get("client_id", ""))
        if not client_id:
            raise ToolAuthError(
                f"Integration '{self.integration.name}' has no OAuth client_id in its auth settings"
            )
        client_secret = secrets.get("client_secret", "")
        if self.config.get("client_auth") == "basic" and client_secret:
            pair = f"{client_id}:{client_secret}".encode()
            headers["Authorization"] = f"Basic {base64.b64encode(pair).decode()}"
        else:
            form["client_id"] = client_id
            if client_secret:
                form["client_secret"] = client_secret
        for extra in ("scope", "audience"):
            if self.config.get(extra):
                form[extra] = str(self.config[extra])
        token_url = str(self.config.get("token_url", ""))
        sent = [*self.secret_values(), *form.values(), headers.get("Authorization", "")]
        try:
            response = await self.runtime.egress.request(
                "POST",
                token_url,
                data=form,
                headers=headers,
                max_bytes=64 * 1024,
                follow_redirects=False,
            )
        except EgressError as exc:
            message = redact(exc.message, sent)
            raise ToolAuthError(f"OAuth token request failed: {message}") from None
        if 300 <= response.status_code < 400:
            # Following it would hand the client secret to wherever the redirect points.
            raise ToolAuthError(
                f"OAuth token request to {token_url} answered a redirect "
                f"(HTTP {response.status_code}); token requests go only to the saved token URL. "
                "Set the final token URL in the integration's auth settings"
            )
        payload = _json_object(response.body)
        if response.status_code >= 400 or not payload.get("access_token"):
            raise ToolAuthError(
                f"OAuth token request to {token_url} failed: HTTP {response.status_code} "
                f"{_token_error(payload, sent)}"
            )
        self.refresh_count += 1
        new = dict(secrets)
        new[ACCESS_TOKEN_FIELD] = str(payload["access_token"])
        if payload.get("refresh_token"):
            new["refresh_token"] = str(payload["refresh_token"])
        expires_at = None
        if isinstance(payload.get("expires_in"), int | float):
            expires_at = utcnow() + timedelta(seconds=float(payload["expires_in"]))
        await self._store(new, expires_at)
        self._secrets.update(new)
        return new[ACCESS_TOKEN_FIELD]

    async def _store(self, secret: dict[str, str], expires_at: datetime | None) -> None:
        async with self.runtime.sessionmaker() as session:
            credential_id = self.integration.credential_id
            row = None
            if credential_id is not None:
                row = await credentials.get_credential(session, self.workspace_id, credential_id)
            # Keep the credential's other metadata (its retarget history) as it is.
            metadata = dict(row.credential_metadata or {}) if row is not None else {}
            metadata["masked"] = masked_view(self.auth_type, secret)
            await credentials.store_secret(
                session,
                self.workspace_id,
                CREDENTIAL_KIND,
                secret,
                metadata,
                credential_id=self.integration.credential_id,
                expires_at=expires_at,
            )
            await session.commit()


def _basic_forms(user: str, password: str) -> list[str]:
    """A Basic pair as it travels: base64, padded or not (an echo may cut the padding)."""
    encoded = base64.b64encode(f"{user}:{password}".encode()).decode()
    return [encoded, encoded.rstrip("=")]


def _token_error(payload: dict[str, Any], sent: list[str]) -> str:
    """What a token endpoint's error answer says, safe to show: a token server may echo the
    client secret or refresh token back in any field, so only a standard error code is
    quoted verbatim and anything else is scrubbed of what we sent."""
    error = payload.get("error")
    if error is None:
        return "no access_token in the answer"
    code = str(error)[:100]
    if code in OAUTH_ERROR_CODES:
        return code
    return str(redact(code, [s for s in sent if s]))


def _json_object(body: bytes) -> dict[str, Any]:
    try:
        value = json.loads(body)
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}
