"""Encryption at rest: AES-256-GCM keyring, binding to row and workspace, rotation, masks."""

from __future__ import annotations

import base64
import logging
import uuid
from pathlib import Path

import pytest
from asgi_lifespan import LifespanManager
from fastapi import FastAPI
from pydantic import SecretStr
from sqlalchemy import select

from app.config import Environment, Settings
from app.credentials import service
from app.credentials.__main__ import rotate
from app.credentials.crypto import (
    GENERATED_KEY_FILE,
    DecryptionError,
    KeyringError,
    load_keyring,
    parse_keyring,
)
from app.credentials.models import EncryptedCredential
from app.credentials.redact import REDACTED, SecretScrubFilter, redact, remember_secrets
from app.main import create_app
from tests.conftest import make_settings

WS = uuid.UUID("00000000-0000-0000-0000-000000000001")
OTHER_WS = uuid.UUID("00000000-0000-0000-0000-00000000b000")


def key(fill: bytes) -> str:
    return base64.b64encode(fill * 32).decode()


KEY1 = f"1:{key(b'k')}"  # the suite's key
KEY2 = f"2:{key(b'n')}"


async def test_store_and_reveal_round_trip(app: FastAPI) -> None:
    async with app.state.sessionmaker() as session:
        row = await service.store_secret(session, WS, "test", {"api_key": "sk-live-1234567890"})
        await session.commit()
        assert b"sk-live" not in row.ciphertext
        assert row.key_version == 1 and len(row.nonce) == 12
        assert await service.reveal_secret(session, row) == {"api_key": "sk-live-1234567890"}


async def test_replacing_a_secret_keeps_the_id_and_changes_the_nonce(app: FastAPI) -> None:
    async with app.state.sessionmaker() as session:
        row = await service.store_secret(session, WS, "test", {"token": "first-value"})
        nonce = row.nonce
        again = await service.store_secret(
            session, WS, "test", {"token": "second-value"}, credential_id=row.id
        )
        await session.commit()
        assert again.id == row.id and again.nonce != nonce
        assert await service.reveal_secret(session, again) == {"token": "second-value"}


async def test_ciphertext_moved_to_another_row_or_workspace_does_not_decrypt(
    app: FastAPI,
) -> None:
    async with app.state.sessionmaker() as session:
        a = await service.store_secret(session, WS, "test", {"token": "secret-a-value"})
        b = await service.store_secret(session, WS, "test", {"token": "secret-b-value"})
        c = await service.store_secret(session, OTHER_WS, "test", {"token": "secret-c-value"})
        await session.commit()
        b.ciphertext, b.nonce = a.ciphertext, a.nonce
        with pytest.raises(DecryptionError):
            await service.reveal_secret(session, b)
        c.ciphertext, c.nonce, c.id = a.ciphertext, a.nonce, a.id
        with pytest.raises(DecryptionError):
            await service.reveal_secret(session, c)
        a.ciphertext = a.ciphertext[:-1] + bytes([a.ciphertext[-1] ^ 1])
        with pytest.raises(DecryptionError):
            await service.reveal_secret(session, a)
        await session.rollback()


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("", "empty"),
        ("nokey", "'<version>:<base64 key>'"),
        ("x:abcd", "'<version>:<base64 key>'"),
        ("1:not base64!!", "not valid base64"),
        (f"1:{base64.b64encode(b'short').decode()}", "not 32 bytes"),
        (f"{KEY1},{KEY1}", "listed twice"),
    ],
)
def test_malformed_keyrings_are_refused_without_echoing_keys(text: str, problem: str) -> None:
    with pytest.raises(KeyringError) as info:
        parse_keyring(text)
    assert problem in str(info.value)
    assert key(b"k") not in str(info.value)


def test_development_generates_a_key_once_with_a_warning(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    settings = Settings(_env_file=None, data_dir=tmp_path, encryption_keys=SecretStr(""))  # type: ignore[call-arg]
    with caplog.at_level(logging.WARNING):
        first = load_keyring(settings)
    assert "generated a development key" in caplog.text
    assert (tmp_path / GENERATED_KEY_FILE).stat().st_mode & 0o077 == 0
    second = load_keyring(settings)
    sealed = first.encrypt(b"x", b"aad")
    assert second.decrypt(sealed, b"aad") == b"x"


async def test_production_refuses_to_start_without_encryption_keys(
    database_url: str, tmp_path: Path
) -> None:
    settings = make_settings(
        database_url,
        tmp_path,
        environment=Environment.production,
        encryption_keys=SecretStr(""),
    )
    application = create_app(settings)
    with pytest.raises(KeyringError, match="ENCRYPTION_KEYS is required in production"):
        async with LifespanManager(application):
            pass
    assert not (tmp_path / GENERATED_KEY_FILE).exists()


async def test_rotation_re_encrypts_under_the_newest_key_while_reads_keep_working(
    app: FastAPI, database_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    old = parse_keyring(KEY1)
    async with app.state.sessionmaker() as session:
        ids = []
        for n in range(3):
            row = await service.store_secret(
                session, WS, "test", {"token": f"token-{n}-value"}, keyring=old
            )
            ids.append(row.id)
        await session.commit()

    both = parse_keyring(f"{KEY2},{KEY1}")
    async with app.state.sessionmaker() as session:
        # Mid-rotation: old rows still read with the two-key ring.
        first = await session.get(EncryptedCredential, ids[0])
        assert first is not None
        assert await service.reveal_secret(session, first, keyring=both) == {
            "token": "token-0-value"
        }

    settings = make_settings(database_url, tmp_path, encryption_keys=SecretStr(f"{KEY2},{KEY1}"))
    assert await rotate(settings) == 3
    assert "under key version 2" in capsys.readouterr().out
    assert await rotate(settings) == 0  # idempotent

    only_new = parse_keyring(KEY2)
    async with app.state.sessionmaker() as session:
        rows = list(
            await session.scalars(
                select(EncryptedCredential).where(EncryptedCredential.id.in_(ids))
            )
        )
        assert {r.key_version for r in rows} == {2}
        assert all(r.rotated_at is not None for r in rows)
        values = sorted(
            [(await service.reveal_secret(session, r, keyring=only_new))["token"] for r in rows]
        )
        assert values == ["token-0-value", "token-1-value", "token-2-value"]
        with pytest.raises(DecryptionError, match="not in ENCRYPTION_KEYS"):
            await service.reveal_secret(session, rows[0], keyring=old)


@pytest.mark.parametrize(
    ("value", "masked"),
    [
        ("sk-proj-abcdefghijklmnop1234", "sk-…1234"),
        ("abcdefghijklmnop9876", "…9876"),
        ("short", "••••"),
        ("elevenchars", "••••"),
        ("", "••••"),
    ],
)
def test_mask_shows_at_most_the_last_four_characters(value: str, masked: str) -> None:
    assert service.mask(value) == masked


def test_redact_scrubs_nested_data_and_text() -> None:
    secret = "canary-SECRET-value-42"
    data = {
        "headers": {"Authorization": f"Bearer {secret}"},
        "items": [secret, ("x", f"pre{secret}post")],
        secret: 1,
        "n": 5,
    }
    cleaned = redact(data, [secret, "ab"])
    assert secret not in repr(cleaned)
    assert cleaned["headers"]["Authorization"] == f"Bearer {REDACTED}"
    assert cleaned["items"][1] == ("x", f"pre{REDACTED}post")
    assert cleaned["n"] == 5
    assert redact("ab cab", ["ab"]) == "ab cab"  # too short to be treated as a secret


def test_log_filter_scrubs_known_secrets_from_messages_and_tracebacks() -> None:
    secret = "canary-LOGGED-secret-777"
    remember_secrets(WS, [secret])
    record = logging.LogRecord("x", logging.ERROR, __file__, 1, "calling with %s", (secret,), None)
    try:
        raise ValueError(f"bad key {secret}")
    except ValueError as exc:
        record.exc_info = (type(exc), exc, exc.__traceback__)
    SecretScrubFilter().filter(record)
    assert secret not in record.getMessage()
    assert secret not in (record.exc_text or "")
    assert REDACTED in record.getMessage()


async def test_the_app_scrubs_secrets_from_every_log_line(
    app: FastAPI, caplog: pytest.LogCaptureFixture
) -> None:
    async with app.state.sessionmaker() as session:
        row = await service.store_secret(session, WS, "test", {"api_key": "canary-APP-log-9999"})
        await session.commit()
        await service.reveal_secret(session, row)
    with caplog.at_level(logging.INFO):
        logging.getLogger("app.some.module").info("oops the key is canary-APP-log-9999")
    assert "canary-APP-log-9999" not in caplog.text
    assert REDACTED in caplog.text
