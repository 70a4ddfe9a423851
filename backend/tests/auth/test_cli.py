"""`python -m app users create` and `python -m app api-keys create`, run as operators do."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI

from app.__main__ import main
from app.config import Settings
from tests.auth.conftest import bearer
from tests.conftest import OWNER_A

BACKEND = Path(__file__).resolve().parents[2]


def run_cli(settings: Settings, *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "DATABASE_URL": settings.resolved_database_url,
        "DATA_DIR": str(settings.data_dir),
        "ENVIRONMENT": "test",
        "ENCRYPTION_KEYS": settings.encryption_keys.get_secret_value(),
    }
    return subprocess.run(
        [sys.executable, "-m", "app", *args],
        cwd=BACKEND,
        env=env,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


async def test_users_create_makes_an_owner_who_can_log_in(
    app: FastAPI, settings: Settings, anon_client: httpx.AsyncClient
) -> None:
    result = run_cli(
        settings,
        "users", "create", "--email", "Ops@Example.com", "--name", "Ops",
        "--workspace-name", "Ops team", "--password-stdin",
        stdin="ops-password-1\n",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "ops-password-1" not in result.stdout + result.stderr
    login = await anon_client.post(
        "/api/v1/auth/login", json={"email": "ops@example.com", "password": "ops-password-1"}
    )
    assert login.status_code == 200
    assert login.json()["role"] == "owner"
    assert login.json()["workspace"]["name"] == "Ops team"


def run_in_process(
    settings: Settings,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    *args: str,
    stdin: str = "",
) -> tuple[int, str, str]:
    """The same command without a new interpreter (fast): (exit code, stdout, stderr)."""
    monkeypatch.setenv("DATABASE_URL", settings.resolved_database_url)
    monkeypatch.setenv("DATA_DIR", str(settings.data_dir))
    monkeypatch.setenv("ENVIRONMENT", "test")
    monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
    try:
        code = main(list(args))
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 1
        print(exc.code, file=sys.stderr)
    out, err = capsys.readouterr()
    return code, out, err


def test_users_create_can_join_an_existing_workspace(
    app: FastAPI,
    settings: Settings,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, _, err = run_in_process(
        settings, monkeypatch, capsys,
        "users", "create", "--email", "joiner@example.com", "--name", "J",
        "--workspace", str(OWNER_A.workspace_id), "--password-stdin",
        stdin="joiner-password\n",
    )  # fmt: skip
    assert code == 0, err
    assert f"member of workspace {OWNER_A.workspace_id}" in err


def test_users_create_refuses_bad_input(
    app: FastAPI,
    settings: Settings,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    def run(*args: str, stdin: str = "long-enough-pw\n") -> tuple[int, str, str]:
        return run_in_process(settings, monkeypatch, capsys, *args, stdin=stdin)

    code, _, err = run(
        "users", "create", "--email", OWNER_A.email, "--name", "x", "--password-stdin"
    )
    assert code != 0 and "already exists" in err
    code, _, err = run(
        "users", "create", "--email", "s@example.com", "--name", "x", "--password-stdin",
        stdin="short\n",
    )  # fmt: skip
    assert code != 0 and "at least 8" in err
    code, _, err = run(
        "users", "create", "--email", "not-an-email", "--name", "x", "--password-stdin"
    )
    assert code != 0 and "email" in err
    code, _, err = run(
        "users", "create", "--email", "n@example.com", "--name", "x", "--password-stdin",
        "--workspace", "00000000-0000-0000-0000-00000000ffff",
    )  # fmt: skip
    assert code != 0 and "no workspace" in err
    code, out, err = run(
        "api-keys", "create", "--workspace", "00000000-0000-0000-0000-00000000ffff",
        "--name", "x",
    )  # fmt: skip
    assert code != 0 and "no workspace" in err and out == ""


async def test_api_keys_create_prints_the_key_once(
    app: FastAPI, settings: Settings, anon_client: httpx.AsyncClient, client: httpx.AsyncClient
) -> None:
    result = run_cli(
        settings, "api-keys", "create", "--workspace", str(OWNER_A.workspace_id), "--name", "deploy"
    )
    assert result.returncode == 0, result.stderr
    key = result.stdout.strip()
    assert "\n" not in key and key.startswith("ab_")
    assert key not in result.stderr
    me = await anon_client.get("/api/v1/auth/me", headers=bearer(key))
    assert me.status_code == 200
    assert me.json()["workspace"]["id"] == str(OWNER_A.workspace_id)
    assert me.json()["role"] == "admin"
    assert me.json()["user"] is None
    listed = (await client.get("/api/v1/workspace/api-keys")).json()["items"]
    assert any(k["name"] == "deploy" and key.startswith(k["prefix"]) for k in listed)
