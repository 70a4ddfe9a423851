"""`make bench`: start everything on 127.0.0.1, run the driver, write the results and the table.

1. a fresh PostgreSQL database (127.0.0.1:5432, user postgres) and a Redis key prefix of its own;
2. the fake provider and the tool server, each its own process;
3. the backend as in production: `uvicorn app.asgi:app --workers <cores>`, ENVIRONMENT=production,
   ENCRYPTION_KEYS and JWT_SECRET generated for this run, migrated by `python -m app migrate`;
4. the owner account and an API key (POST /api/v1/auth/setup, POST /api/v1/workspace/api-keys),
   the bench agent, and a second agent whose tool is imported from the tool server's OpenAPI spec;
5. the driver (its own process), then bench/report.py renders bench/README.md's table.

Every process is stopped and the database dropped at the end, whatever happened.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import contextlib
import datetime as dt
import json
import os
import platform
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import psutil

from clients import SYSTEM_PROMPT
from report import write_readme
from tool_server import openapi_spec

BENCH = Path(__file__).resolve().parent
BACKEND = BENCH.parent / "backend"
PYTHON = sys.executable
HOST = "127.0.0.1"
ADMIN_DSN = os.environ.get("BENCH_POSTGRES", "postgresql://postgres@127.0.0.1:5432/postgres")
REDIS_URL = os.environ.get("BENCH_REDIS", "redis://127.0.0.1:6379/0")
RATE_LIMIT_OFF = "1000000/minute"


def log(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return int(s.getsockname()[1])


class Processes:
    """Child processes, each in its own session so stopping one stops its workers too."""

    def __init__(self) -> None:
        self.children: list[subprocess.Popen[bytes]] = []

    def start(
        self, args: list[str], *, cwd: Path, env: dict[str, str], log_file: Path
    ) -> subprocess.Popen[bytes]:
        out = log_file.open("wb")
        child = subprocess.Popen(
            args, cwd=cwd, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
        self.children.append(child)
        return child

    def stop_all(self) -> None:
        for child in reversed(self.children):
            if child.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(child.pid, signal.SIGTERM)
        for child in reversed(self.children):
            try:
                child.wait(timeout=15)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(child.pid, signal.SIGKILL)
                child.wait(timeout=5)


def wait_http(url: str, child: subprocess.Popen[bytes], timeout_s: float = 180) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if child.poll() is not None:
            raise RuntimeError(f"{url}: process exited with {child.returncode}")
        with contextlib.suppress(httpx.HTTPError):
            if httpx.get(url, timeout=2).status_code == 200:
                return
        time.sleep(0.2)
    raise RuntimeError(f"{url} not ready after {timeout_s}s")


@contextlib.contextmanager
def bench_database() -> Iterator[str]:
    """A fresh database for this run, dropped afterwards; yields its asyncpg DSN."""
    name = f"ab_bench_{time.strftime('%Y%m%d%H%M%S')}_{secrets.token_hex(3)}"

    async def admin(sql: str) -> None:
        conn = await asyncpg.connect(ADMIN_DSN, timeout=10)
        try:
            await conn.execute(sql)
        finally:
            await conn.close()

    asyncio.run(admin(f'CREATE DATABASE "{name}"'))
    try:
        yield ADMIN_DSN.rsplit("/", 1)[0] + f"/{name}"
    finally:
        asyncio.run(admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def backend_env(dsn: str, provider_url: str, data_dir: Path, workers: int) -> dict[str, str]:
    key = base64.b64encode(secrets.token_bytes(32)).decode()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TEST_", "BENCH_"))}
    env.update(
        ENVIRONMENT="production",
        LOG_LEVEL="WARNING",
        DATA_DIR=str(data_dir),
        DATABASE_URL=dsn.replace("postgresql://", "postgresql+asyncpg://", 1),
        AUTO_MIGRATE="false",
        REDIS_URL=REDIS_URL,
        REDIS_KEY_PREFIX=f"abbench:{secrets.token_hex(4)}:",
        ENCRYPTION_KEYS=f"1:{key}",
        JWT_SECRET=secrets.token_urlsafe(48),
        OPENAI_BASE_URL=f"{provider_url}/v1",
        OPENAI_API_KEY="bench-provider-key",
        ANTHROPIC_BASE_URL=provider_url,
        ANTHROPIC_API_KEY="bench-provider-key",
        TOOL_ALLOWED_PRIVATE_HOSTS=HOST,
        # The bench is one client hammering one workspace: the per-user/IP/frame limits would
        # measure the limiter, not the platform.
        RATE_LIMIT_USER=RATE_LIMIT_OFF,
        RATE_LIMIT_IP=RATE_LIMIT_OFF,
        RATE_LIMIT_WS_FRAMES=RATE_LIMIT_OFF,
        WEB_CONCURRENCY=str(workers),
    )
    return env


def set_up_workspace(base: str, tool_url: str, provider: str) -> dict[str, Any]:
    """Owner, API key, the bench agent and the tool agent, all through the public API."""
    with httpx.Client(base_url=base, timeout=30) as http:
        status = http.get("/api/v1/auth/status")
        if status.status_code == 404:
            raise RuntimeError("the backend has no /api/v1/auth routes: authentication is missing")
        setup = http.post(
            "/api/v1/auth/setup",
            json={
                "email": "bench@example.com",
                "password": secrets.token_urlsafe(16),
                "name": "Bench",
                "workspace_name": "bench",
            },
        )
        setup.raise_for_status()
        http.headers["Authorization"] = f"Bearer {setup.json()['access_token']}"
        created = http.post("/api/v1/workspace/api-keys", json={"name": "bench"})
        created.raise_for_status()
        token = created.json()["key"]
        http.headers["Authorization"] = f"Bearer {token}"
        agent = {
            "name": "bench",
            "system_prompt": SYSTEM_PROMPT,
            "provider": provider,
            "model": "bench-model",
            "status": "active",
        }
        agent_id = _created(http.post("/api/v1/agents", json=agent))["id"]
        tool_agent_id = _created(http.post("/api/v1/agents", json={**agent, "name": "bench tool"}))[
            "id"
        ]
        imported = http.post(
            f"/api/v1/agents/{tool_agent_id}/integrations/import-openapi",
            json={"spec": json.dumps(openapi_spec(tool_url)), "name": "lookup"},
        )
        tool_note = ""
        if imported.status_code >= 300:
            tool_note = f"tool import failed: {imported.status_code} {imported.text[:200]}"
            tool_agent_id = ""
    return {
        "token": token,
        "agent_id": agent_id,
        "tool_agent_id": tool_agent_id,
        "tool_note": tool_note,
    }


def _created(response: httpx.Response) -> dict[str, Any]:
    if response.status_code != 201:
        raise RuntimeError(f"{response.request.url}: {response.status_code} {response.text[:300]}")
    created: dict[str, Any] = response.json()
    return created


def timeline(
    token: str, agent_id: str, env: dict[str, str], logs: Path, *extra: str
) -> dict[str, Any]:
    """bench/turn_timeline.py for one agent, in its own process with the backend's settings."""
    out = logs / f"timeline-{agent_id}{''.join(extra)}.json"
    args = [PYTHON, str(BENCH / "turn_timeline.py"), "--token", token, "--agent-id", agent_id]
    args += extra
    subprocess.run([*args, "--out", str(out)], cwd=BACKEND, env=env, check=True, timeout=120)
    result: dict[str, Any] = json.loads(out.read_text())
    return result


def log_errors(path: Path, limit: int = 10) -> list[str]:
    """The distinct error lines the backend logged (exception types and messages)."""
    if not path.exists():
        return []
    seen: dict[str, None] = {}
    for line in path.read_text(errors="replace").splitlines():
        text = line.strip()
        if ("Error" in text or "Exception" in text or text.startswith("ERROR")) and len(
            seen
        ) < limit:
            seen.setdefault(text[:300], None)
    return list(seen)


def machine() -> dict[str, Any]:
    cpu_model = ""
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu_model = line.split(":", 1)[1].strip()
                break
    return {
        "cores": os.cpu_count(),
        "memory_gib": round(psutil.virtual_memory().total / 2**30, 1),
        "cpu": cpu_model,
        "os": platform.platform(),
        "python": platform.python_version(),
        # Other work on the machine skews every figure; the load before the run says how much.
        "load_average_1m": round(os.getloadavg()[0], 2),
    }


def git_commit() -> str:
    with contextlib.suppress(OSError, subprocess.CalledProcessError):
        return subprocess.check_output(
            ["git", "rev-parse", "--short", "HEAD"], cwd=BENCH, text=True
        ).strip()
    return ""


def main() -> int:
    parser = argparse.ArgumentParser(description="Run the Agent Builder benchmark end to end")
    parser.add_argument("--ttft-ms", type=float, default=150)
    parser.add_argument("--itl-ms", type=float, default=15)
    parser.add_argument("--tokens", type=int, default=24)
    parser.add_argument("--provider", choices=["openai", "anthropic"], default="openai")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--levels", default="1,16,64,256,512")
    parser.add_argument("--idle-sockets", type=int, default=512)
    parser.add_argument("--budget-s", type=float, default=540, help="streaming levels stop after")
    parser.add_argument(
        "--out", type=Path, default=None, help="results JSON (default results/<date>.json)"
    )
    parser.add_argument("--no-readme", action="store_true", help="do not rewrite bench/README.md")
    parser.add_argument(
        "--profile", type=Path, default=None, help="py-spy the backend workers into this file"
    )
    args, driver_extra = parser.parse_known_args()  # the rest goes to driver.py

    started = time.monotonic()
    host = machine()
    out = args.out or BENCH / "results" / f"{dt.date.today().isoformat()}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    processes = Processes()
    with tempfile.TemporaryDirectory(prefix="ab-bench-") as tmp, bench_database() as dsn:
        logs = Path(tmp)
        try:
            provider_port, tool_port, backend_port = free_port(), free_port(), free_port()
            provider_url, tool_url = f"http://{HOST}:{provider_port}", f"http://{HOST}:{tool_port}"
            base = f"http://{HOST}:{backend_port}"
            env = dict(os.environ)
            fake = processes.start(
                [
                    PYTHON,
                    "fake_provider.py",
                    "--port",
                    str(provider_port),
                    "--ttft-ms",
                    str(args.ttft_ms),
                    "--itl-ms",
                    str(args.itl_ms),
                    "--tokens",
                    str(args.tokens),
                    "--tool-calls",
                ],
                cwd=BENCH,
                env=env,
                log_file=logs / "provider.log",
            )
            tool = processes.start(
                [PYTHON, "tool_server.py", "--port", str(tool_port)],
                cwd=BENCH,
                env=env,
                log_file=logs / "tool.log",
            )
            benv = backend_env(dsn, provider_url, logs, args.workers)
            log("migrating a fresh PostgreSQL database")
            subprocess.run([PYTHON, "-m", "app", "migrate"], cwd=BACKEND, env=benv, check=True)
            backend = processes.start(
                [
                    PYTHON,
                    "-m",
                    "uvicorn",
                    "app.asgi:app",
                    "--host",
                    HOST,
                    "--port",
                    str(backend_port),
                    "--workers",
                    str(args.workers),
                    "--no-access-log",
                    "--log-level",
                    "warning",
                    "--backlog",
                    "4096",
                    # As `python -m app serve` and the Dockerfile run it in production.
                    "--ws-per-message-deflate",
                    "false",
                    "--ws-max-size",
                    "1048576",
                ],
                cwd=BACKEND,
                env=benv,
                log_file=logs / "backend.log",
            )
            wait_http(f"{provider_url}/health", fake)
            wait_http(f"{tool_url}/health", tool)
            wait_http(f"{base}/health", backend)
            log(f"backend up ({args.workers} workers); setting up the workspace")
            workspace = set_up_workspace(base, tool_url, args.provider)
            driver_args = [
                PYTHON,
                "driver.py",
                "--backend",
                base,
                "--backend-pid",
                str(backend.pid),
                "--token",
                workspace["token"],
                "--agent-id",
                workspace["agent_id"],
                "--tool-agent-id",
                workspace["tool_agent_id"],
                "--provider",
                args.provider,
                "--provider-url",
                provider_url,
                "--tool-url",
                tool_url,
                "--dsn",
                dsn,
                "--tokens",
                str(args.tokens),
                "--levels",
                args.levels,
                "--idle-sockets",
                str(args.idle_sockets),
                "--budget-s",
                str(args.budget_s),
                "--out",
                str(logs / "driver.json"),
                *driver_extra,
            ]
            if args.profile:
                driver_args += ["--profile", str(args.profile.resolve())]
            subprocess.run(driver_args, cwd=BENCH, env=env, check=True, timeout=13 * 60)
            measured = json.loads((logs / "driver.json").read_text())
            log("timeline of one warm turn (in-process backend)")
            measured["ttft_timeline"] = timeline(
                workspace["token"], workspace["agent_id"], benv, logs, "--ab-pre-ping"
            )
            if workspace["tool_agent_id"]:
                measured["tool_timeline"] = timeline(
                    workspace["token"], workspace["tool_agent_id"], benv, logs
                )
        except BaseException:
            for name in ("backend", "provider", "tool"):
                path = logs / f"{name}.log"
                if path.exists() and path.stat().st_size:
                    log(f"--- tail of {name}.log ---\n" + path.read_text()[-3000:])
            raise
        finally:
            processes.stop_all()
            backend_errors = log_errors(logs / "backend.log")
    results = {
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "commit": git_commit(),
        "machine": host,
        "settings": {
            "provider": args.provider,
            "fake_provider": {
                "ttft_ms": args.ttft_ms,
                "itl_ms": args.itl_ms,
                "tokens": args.tokens,
            },
            "backend": {
                "workers": args.workers,
                "environment": "production",
                "database": "postgresql",
                "redis": True,
                "rate_limits": RATE_LIMIT_OFF,
            },
            "levels": [int(x) for x in args.levels.split(",") if x],
        },
        "notes": [workspace["tool_note"]] if workspace["tool_note"] else [],
        "backend_log_errors": backend_errors,
        **measured,
        "duration_s": round(time.monotonic() - started, 1),
    }
    out.write_text(json.dumps(results, indent=2) + "\n")
    log(f"results: {out}")
    if not args.no_readme:
        write_readme(results, BENCH / "README.md")
        log("table written to bench/README.md")
    return 0


if __name__ == "__main__":
    sys.exit(main())
