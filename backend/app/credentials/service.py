"""Store, reveal, mask and rotate encrypted credentials.

A credential holds a small dict of secret strings (an API key, an OAuth client secret and its
tokens), encrypted as one JSON document. The process keyring is installed once at start
(`install_keyring`, from the app lifespan); callers that hold another keyring (the rotate
command, tests) pass it explicitly.
"""

from __future__ import annotations

import json
import re
import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.config import Settings, get_settings
from app.credentials.crypto import (
    DecryptionError,
    Keyring,
    Sealed,
    associated_data,
    load_keyring,
)
from app.credentials.models import EncryptedCredential
from app.credentials.redact import remember_secrets
from app.database import utcnow

_keyring: Keyring | None = None


def install_keyring(keyring: Keyring) -> None:
    """Make `keyring` the process keyring (called by the app lifespan)."""
    global _keyring
    _keyring = keyring


def get_keyring(settings: Settings | None = None) -> Keyring:
    """The installed keyring; outside the app (scripts), one loaded from the settings."""
    global _keyring
    if _keyring is None:
        _keyring = load_keyring(settings or get_settings())
    return _keyring


def _seal(
    keyring: Keyring, credential_id: uuid.UUID, workspace_id: uuid.UUID, secret: dict[str, str]
) -> Sealed:
    plaintext = json.dumps(secret, separators=(",", ":"), sort_keys=True).encode()
    return keyring.encrypt(plaintext, associated_data(credential_id, workspace_id))


def _open(keyring: Keyring, credential: EncryptedCredential) -> dict[str, str]:
    sealed = Sealed(credential.key_version, credential.nonce, credential.ciphertext)
    plaintext = keyring.decrypt(sealed, associated_data(credential.id, credential.workspace_id))
    data = json.loads(plaintext)
    if not isinstance(data, dict):
        raise DecryptionError("credential payload is not an object")
    return {str(k): str(v) for k, v in data.items()}


async def store_secret(
    session: AsyncSession,
    workspace_id: uuid.UUID,
    kind: str,
    secret: dict[str, str],
    metadata: dict[str, Any] | None = None,
    *,
    credential_id: uuid.UUID | None = None,
    expires_at: datetime | None = None,
    keyring: Keyring | None = None,
) -> EncryptedCredential:
    """Create a credential, or replace the secret of `credential_id`. Flushes, never commits."""
    ring = keyring or get_keyring()
    credential: EncryptedCredential | None = None
    if credential_id is not None:
        credential = await session.scalar(
            select(EncryptedCredential).where(
                EncryptedCredential.id == credential_id,
                EncryptedCredential.workspace_id == workspace_id,
            )
        )
    if credential is None:
        credential = EncryptedCredential(
            id=credential_id or uuid.uuid4(), workspace_id=workspace_id
        )
        session.add(credential)
    sealed = _seal(ring, credential.id, workspace_id, secret)
    credential.kind = kind
    credential.key_version = sealed.key_version
    credential.nonce = sealed.nonce
    credential.ciphertext = sealed.ciphertext
    credential.expires_at = expires_at
    if metadata is not None:
        credential.credential_metadata = metadata
    elif credential.credential_metadata is None:
        credential.credential_metadata = {}
    remember_secrets(workspace_id, secret.values())
    await session.flush()
    return credential


async def reveal_secret(
    session: AsyncSession, credential: EncryptedCredential, *, keyring: Keyring | None = None
) -> dict[str, str]:
    """Decrypt a credential. Raises DecryptionError when it does not decrypt."""
    secret = _open(keyring or get_keyring(), credential)
    remember_secrets(credential.workspace_id, secret.values())
    return secret


async def get_credential(
    session: AsyncSession, workspace_id: uuid.UUID, credential_id: uuid.UUID
) -> EncryptedCredential | None:
    return await session.scalar(
        select(EncryptedCredential).where(
            EncryptedCredential.id == credential_id,
            EncryptedCredential.workspace_id == workspace_id,
        )
    )


_VENDOR_PREFIX = re.compile(r"^[A-Za-z]{2,5}[-_]")
MASK = "••••"


def mask(value: str) -> str:
    """`sk-…abcd`: at most the last four characters (and a vendor tag like `sk-`) survive;
    short secrets are masked completely."""
    if len(value) < 12:
        return MASK
    prefix_match = _VENDOR_PREFIX.match(value) if len(value) >= 20 else None
    prefix = prefix_match.group(0) if prefix_match else ""
    return f"{prefix}…{value[-4:]}"


async def rotate_credentials(
    session: AsyncSession, keyring: Keyring, *, batch_size: int = 100
) -> int:
    """Re-encrypt every credential not under the newest key; returns how many changed.

    Commits per batch, so the server keeps reading during a long rotation: each row is
    readable with either its old key (still in the keyring) or the new one.
    """
    rotated = 0
    while True:
        batch = list(
            await session.scalars(
                select(EncryptedCredential)
                .where(EncryptedCredential.key_version != keyring.newest_version)
                .order_by(EncryptedCredential.id)
                .limit(batch_size)
                .with_for_update(skip_locked=True)
            )
        )
        if not batch:
            return rotated
        for credential in batch:
            secret = _open(keyring, credential)
            sealed = _seal(keyring, credential.id, credential.workspace_id, secret)
            credential.key_version = sealed.key_version
            credential.nonce = sealed.nonce
            credential.ciphertext = sealed.ciphertext
            credential.rotated_at = utcnow()
        await session.commit()
        rotated += len(batch)


async def count_by_key_version(session: AsyncSession) -> dict[int, int]:
    rows = await session.execute(
        select(EncryptedCredential.key_version, func.count()).group_by(
            EncryptedCredential.key_version
        )
    )
    return {int(version): int(count) for version, count in rows.all()}
