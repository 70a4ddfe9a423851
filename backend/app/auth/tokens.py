"""Tokens: signed access JWTs, opaque refresh/invite tokens and API keys, stored as hashes.

Access tokens are HS256 JWTs `{sub: user id, wid: workspace id, sid: login family, typ:
"access", iat, exp}`. Every opaque token is 32 random bytes; only its SHA-256 is stored (they
are high-entropy, so a fast hash is the right one). API keys read `ab_<8 chars>_<secret>`; the
`ab_<8 chars>` part is the prefix shown in listings.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import jwt

from app.config import Settings

logger = logging.getLogger(__name__)

API_KEY_PREFIX = "ab_"
JWT_ALGORITHM = "HS256"
_JWT_SECRET_FILE = "jwt_secret"


class TokenExpired(Exception):
    pass


class TokenInvalid(Exception):
    pass


@dataclass(frozen=True)
class AccessClaims:
    user_id: uuid.UUID
    workspace_id: uuid.UUID
    family_id: uuid.UUID


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def new_opaque_token() -> str:
    return secrets.token_urlsafe(32)


def new_api_key() -> tuple[str, str]:
    """(full key, display prefix)."""
    prefix = API_KEY_PREFIX + secrets.token_urlsafe(6)[:8]
    return f"{prefix}_{secrets.token_urlsafe(32)}", prefix


def looks_like_api_key(token: str) -> bool:
    return token.startswith(API_KEY_PREFIX)


def resolve_jwt_secret(settings: Settings) -> str:
    """JWT_SECRET, or in development a secret generated once into DATA_DIR (production refuses)."""
    configured = settings.jwt_secret.get_secret_value()
    if configured:
        return configured
    if settings.is_production:
        raise RuntimeError("JWT_SECRET must be set in production")
    path = settings.data_dir / _JWT_SECRET_FILE
    if path.exists():
        return path.read_text().strip()
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    secret = secrets.token_urlsafe(48)
    path.touch(mode=0o600)
    path.write_text(secret)
    logger.warning("JWT_SECRET is not set: generated one into %s (development only)", path)
    return secret


def encode_access_token(
    secret: str, claims: AccessClaims, ttl_s: int, now: datetime | None = None
) -> str:
    issued = now or datetime.now(UTC)
    payload = {
        "sub": str(claims.user_id),
        "wid": str(claims.workspace_id),
        "sid": str(claims.family_id),
        "typ": "access",
        "iat": int(issued.timestamp()),
        "exp": int((issued + timedelta(seconds=ttl_s)).timestamp()),
    }
    return jwt.encode(payload, secret, algorithm=JWT_ALGORITHM)


def decode_access_token(secret: str, token: str) -> AccessClaims:
    try:
        payload = jwt.decode(
            token,
            secret,
            algorithms=[JWT_ALGORITHM],
            options={"require": ["exp", "iat", "sub", "wid", "sid", "typ"]},
        )
    except jwt.ExpiredSignatureError as exc:
        raise TokenExpired from exc
    except jwt.PyJWTError as exc:
        raise TokenInvalid from exc
    if payload.get("typ") != "access":
        raise TokenInvalid
    try:
        return AccessClaims(
            user_id=uuid.UUID(payload["sub"]),
            workspace_id=uuid.UUID(payload["wid"]),
            family_id=uuid.UUID(payload["sid"]),
        )
    except (ValueError, TypeError) as exc:
        raise TokenInvalid from exc
