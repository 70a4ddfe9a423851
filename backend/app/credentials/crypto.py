"""AES-256-GCM with a versioned keyring.

`ENCRYPTION_KEYS="2:<base64 32 bytes>,1:<base64 32 bytes>"` lists keys newest first. New
ciphertexts use the newest key; every stored ciphertext records its key version, so older keys
keep decrypting until `python -m app.credentials rotate` has re-encrypted everything under the
newest one. The associated data binds a ciphertext to its credential id and workspace: a
ciphertext copied into another row does not decrypt.

Development without a key: one is generated into `DATA_DIR/encryption.key` with a warning.
Production refuses to start without ENCRYPTION_KEYS.
"""

from __future__ import annotations

import base64
import binascii
import logging
import os
import uuid
from dataclasses import dataclass

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from app.config import Settings

logger = logging.getLogger(__name__)

KEY_BYTES = 32
NONCE_BYTES = 12
GENERATED_KEY_FILE = "encryption.key"


class KeyringError(Exception):
    """ENCRYPTION_KEYS is missing or malformed. The message never contains key material."""


class DecryptionError(Exception):
    """A ciphertext did not decrypt: wrong key, tampered, or moved to another row."""


@dataclass(frozen=True)
class Sealed:
    key_version: int
    nonce: bytes
    ciphertext: bytes


def associated_data(credential_id: uuid.UUID, workspace_id: uuid.UUID) -> bytes:
    return b"ab-credential:" + credential_id.bytes + b":" + workspace_id.bytes


class Keyring:
    """Versioned AES-256-GCM keys; the first given is the newest and encrypts."""

    def __init__(self, keys: list[tuple[int, bytes]]) -> None:
        if not keys:
            raise KeyringError("the keyring is empty")
        self._ciphers: dict[int, AESGCM] = {}
        for version, key in keys:
            if version in self._ciphers:
                raise KeyringError(f"key version {version} is listed twice")
            if len(key) != KEY_BYTES:
                raise KeyringError(f"key version {version} is not {KEY_BYTES} bytes")
            self._ciphers[version] = AESGCM(key)
        self.newest_version = keys[0][0]

    @property
    def versions(self) -> list[int]:
        return list(self._ciphers)

    def encrypt(self, plaintext: bytes, aad: bytes) -> Sealed:
        nonce = os.urandom(NONCE_BYTES)
        cipher = self._ciphers[self.newest_version]
        return Sealed(self.newest_version, nonce, cipher.encrypt(nonce, plaintext, aad))

    def decrypt(self, sealed: Sealed, aad: bytes) -> bytes:
        cipher = self._ciphers.get(sealed.key_version)
        if cipher is None:
            raise DecryptionError(
                f"key version {sealed.key_version} is not in ENCRYPTION_KEYS; "
                "keep old keys listed until `python -m app.credentials rotate` has run"
            )
        try:
            return cipher.decrypt(sealed.nonce, sealed.ciphertext, aad)
        except InvalidTag:
            raise DecryptionError("credential did not decrypt (tampered or moved)") from None


def parse_keyring(text: str) -> Keyring:
    """Parse `"2:<base64>,1:<base64>"` (newest first)."""
    keys: list[tuple[int, bytes]] = []
    for position, entry in enumerate(filter(None, (e.strip() for e in text.split(","))), 1):
        version_text, sep, encoded = entry.partition(":")
        if not sep or not version_text.strip().isdigit():
            raise KeyringError(
                f"ENCRYPTION_KEYS entry {position} must look like '<version>:<base64 key>'"
            )
        try:
            key = base64.b64decode(encoded.strip(), validate=True)
        except (binascii.Error, ValueError):
            raise KeyringError(f"ENCRYPTION_KEYS entry {position} is not valid base64") from None
        keys.append((int(version_text), key))
    if not keys:
        raise KeyringError("ENCRYPTION_KEYS is empty")
    return Keyring(keys)


def generate_key_entry(version: int = 1) -> str:
    return f"{version}:{base64.b64encode(os.urandom(KEY_BYTES)).decode()}"


def load_keyring(settings: Settings) -> Keyring:
    """The keyring from ENCRYPTION_KEYS; in development, a generated key under DATA_DIR."""
    configured = settings.encryption_keys.get_secret_value().strip()
    if configured:
        return parse_keyring(configured)
    if settings.is_production:
        raise KeyringError(
            "ENCRYPTION_KEYS is required in production; generate one with "
            "python -c \"import os,base64;print('1:'+base64.b64encode(os.urandom(32)).decode())\""
        )
    path = settings.data_dir / GENERATED_KEY_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        # O_EXCL: two workers starting together must not each write their own key.
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        pass
    else:
        with os.fdopen(fd, "w") as handle:
            handle.write(generate_key_entry() + "\n")
        logger.warning(
            "ENCRYPTION_KEYS is not set: generated a development key in %s. Set "
            "ENCRYPTION_KEYS before storing real secrets; production refuses to start without it.",
            path,
        )
    return parse_keyring(path.read_text())
