"""JWT_SECRET: used when set, generated once into DATA_DIR in development, required in
production (the app refuses to start)."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest
from asgi_lifespan import LifespanManager
from pydantic import SecretStr

from app.auth.tokens import resolve_jwt_secret
from app.config import Environment, Settings
from app.main import create_app
from tests.conftest import make_settings


def test_configured_secret_wins(settings: Settings) -> None:
    assert resolve_jwt_secret(settings) == settings.jwt_secret.get_secret_value()


def test_development_generates_a_private_secret_once(tmp_path: Path) -> None:
    dev = make_settings(
        "sqlite+aiosqlite:///unused.db",
        tmp_path,
        environment=Environment.development,
        jwt_secret=SecretStr(""),
    )
    first = resolve_jwt_secret(dev)
    assert len(first) >= 32
    path = tmp_path / "jwt_secret"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert resolve_jwt_secret(dev) == first


async def test_production_refuses_to_start_without_it(tmp_path: Path, settings: Settings) -> None:
    prod = make_settings(
        settings.resolved_database_url,
        tmp_path,
        environment=Environment.production,
        jwt_secret=SecretStr(""),
        redis_url="",
    )
    with pytest.raises(RuntimeError, match="JWT_SECRET"):
        resolve_jwt_secret(prod)
    with pytest.raises(RuntimeError, match="JWT_SECRET"):
        async with LifespanManager(create_app(prod)):
            pass
    assert not (tmp_path / "jwt_secret").exists()
