"""Import every document of the OpenAPI corpus with the app's own code, and check the tools.

    backend/.venv/bin/python bench/openapi_corpus.py            # all documents present
    backend/.venv/bin/python bench/openapi_corpus.py stripe box # file names containing these

The documents come from `openapi_corpus_gather.py` (see openapi_corpus/README.md). The app runs
in this process (`create_app`, a throwaway SQLite database, the ASGI transport, as the backend
tests do); the documents are served from 127.0.0.1 and imported by URL, the way a user imports
a large spec (`--via paste` sends the text instead). For each document:

1. a dry run (`dry_run: true`): status, time, operations, warnings;
2. a real import into a fresh agent: all operations, or the first 128 when the document has
   more (the preview's `operations` keys as `selection.operations`);
3. the imported tools checked for all three vendors (`openapi_corpus_vendors.py`), as the
   app's adapters send them, and as stored (JSON Schema 2020-12, size).

Also per document: the event loop's longest stall (a 5 ms ticker in the server's loop) and
the peak RSS of this process and its children (the importer's worker processes).
Output: `bench/results/openapi-corpus-<date>.json` and a table on stdout. Exit status 1 when
the targets are missed: >= 90 % imported, no 5xx, every imported tool valid for every vendor.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import datetime as dt
import functools
import http.server
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx

HERE = Path(__file__).resolve().parent
# --backend (before anything imports `app`): another checkout's backend, e.g. a baseline.
BACKEND = (
    Path(sys.argv[sys.argv.index("--backend") + 1])
    if "--backend" in sys.argv
    else HERE.parent / "backend"
)
sys.path.insert(0, str(BACKEND))
sys.path.insert(0, str(HERE))

from openapi_corpus_gather import DOCS, read_manifest  # noqa: E402
from openapi_corpus_vendors import check_all  # noqa: E402

MAX_TOOLS = 128
REQUEST_TIMEOUT_S = 300.0


# --- measurements -------------------------------------------------------------------------


def _children(pid: int) -> list[int]:
    out = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            out += [int(c) for c in (task / "children").read_text().split()]
        except OSError:
            continue
    return out


def tree_rss_bytes(pid: int) -> int:
    """RSS of `pid` and all its descendants (Linux /proc), in bytes."""
    total, todo = 0, [pid]
    while todo:
        current = todo.pop()
        try:
            for line in Path(f"/proc/{current}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1]) * 1024
                    break
        except OSError:
            continue
        todo += _children(current)
    return total


class PeakRss:
    """Samples the process tree's RSS every 10 ms in a thread (off the loop being measured)."""

    def __init__(self, pid: int | None = None) -> None:
        self.pid = pid or os.getpid()
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.wait(0.01):
            self.peak = max(self.peak, tree_rss_bytes(self.pid))

    def __enter__(self) -> PeakRss:
        self.peak = tree_rss_bytes(self.pid)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


class LoopLag:
    """The longest the event loop went without running a 5 ms ticker, minus the 5 ms."""

    def __init__(self, interval_s: float = 0.005) -> None:
        self.interval_s = interval_s
        self.max_lag_s = 0.0
        self._task: asyncio.Task[None] | None = None

    async def _tick(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            before = loop.time()
            await asyncio.sleep(self.interval_s)
            self.max_lag_s = max(self.max_lag_s, loop.time() - before - self.interval_s)

    async def __aenter__(self) -> LoopLag:
        self._task = asyncio.create_task(self._tick())
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self._task is not None
        self._task.cancel()


# --- the app, in this process -------------------------------------------------------------


def serve_docs(folder: Path) -> tuple[http.server.ThreadingHTTPServer, str]:
    """The documents over HTTP on 127.0.0.1 (a random port), in a thread."""
    handler = functools.partial(QuietHandler, directory=str(folder))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}"


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


@asynccontextmanager
async def app_client(workdir: Path) -> AsyncIterator[httpx.AsyncClient]:
    """The app on a fresh SQLite database, an owner and an API key, an authenticated client."""
    from app.config import Settings
    from app.main import create_app
    from app.migrations import upgrade_async
    from asgi_lifespan import LifespanManager
    from pydantic import SecretStr

    url = f"sqlite+aiosqlite:///{workdir / 'corpus.db'}"
    await upgrade_async(url)
    key = base64.b64encode(os.urandom(32)).decode()
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        environment="development",
        log_level="WARNING",
        database_url=url,
        auto_migrate=False,
        data_dir=workdir,
        redis_url="",
        encryption_keys=SecretStr(f"1:{key}"),
        jwt_secret=SecretStr(base64.b64encode(os.urandom(48)).decode()),
        rate_limit_user="1000000/minute",
        rate_limit_ip="1000000/minute",
        tool_allowed_private_hosts="127.0.0.1",
        max_request_bytes=16 * 1024 * 1024,
    )
    application = create_app(settings)
    async with LifespanManager(application, startup_timeout=60, shutdown_timeout=60):
        # A crash inside the app is a 500 to the client, as behind a real server.
        transport = httpx.ASGITransport(app=application, raise_app_exceptions=False)
        async with httpx.AsyncClient(
            transport=transport, base_url="http://corpus", timeout=REQUEST_TIMEOUT_S
        ) as http:
            setup = await http.post(
                "/api/v1/auth/setup",
                json={
                    "email": "corpus@example.com",
                    "password": base64.b64encode(os.urandom(18)).decode(),
                    "name": "Corpus",
                    "workspace_name": "corpus",
                },
            )
            setup.raise_for_status()
            http.headers["Authorization"] = f"Bearer {setup.json()['access_token']}"
            created = await http.post("/api/v1/workspace/api-keys", json={"name": "corpus"})
            created.raise_for_status()
            http.headers["Authorization"] = f"Bearer {created.json()['key']}"
            yield http


# --- one document -------------------------------------------------------------------------


def _error(response: httpx.Response) -> dict[str, Any]:
    try:
        error = response.json().get("error") or {}
    except ValueError:
        error = {}
    return {
        "status": response.status_code,
        "code": error.get("code", ""),
        "message": (error.get("message") or response.text)[:500],
    }


def _warnings(body: dict[str, Any]) -> list[dict[str, str]]:
    """Warnings as {message, path} (older responses had plain strings)."""
    return [
        w if isinstance(w, dict) else {"message": str(w), "path": ""}
        for w in body.get("warnings", [])
    ]


def selection_for(preview: dict[str, Any]) -> dict[str, Any] | None:
    """None (take what the importer selects) when the document fits the cap; else the first
    `max_tools` operations by key, the way a user ticks them in the dialog."""
    total = preview.get("total_operations", len(preview.get("tools", [])))
    cap = preview.get("max_tools", MAX_TOOLS)
    if total <= cap:
        return None
    return {"operations": [op["key"] for op in preview.get("operations", [])[:cap]]}


async def run_document(
    http: httpx.AsyncClient, source: dict[str, Any], label: str
) -> dict[str, Any]:
    out: dict[str, Any] = {}
    agent = await http.post(
        "/api/v1/agents",
        json={"name": f"corpus {label}"[:100], "provider": "openai", "model": "gpt-4o-mini"},
    )
    agent.raise_for_status()
    endpoint = f"/api/v1/agents/{agent.json()['id']}/integrations/import-openapi"
    async with LoopLag() as lag:
        started = time.perf_counter()
        preview = await http.post(endpoint, json={**source, "dry_run": True})
        out["dry_run_s"] = round(time.perf_counter() - started, 3)
        out["dry_run_status"] = preview.status_code
        if preview.status_code != 200:
            out["refused"] = {"step": "dry_run", **_error(preview)}
            out["max_loop_lag_ms"] = round(lag.max_lag_s * 1000, 1)
            return out
        body = preview.json()
        out["operations"] = body.get("total_operations", len(body.get("tools", [])))
        out["dry_run_tools"] = len(body.get("tools", []))
        out["dry_run_warnings"] = len(_warnings(body))
        selection = selection_for(body)
        request = {**source, **({"selection": selection} if selection else {})}
        started = time.perf_counter()
        done = await http.post(endpoint, json=request)
        out["import_s"] = round(time.perf_counter() - started, 3)
        out["import_status"] = done.status_code
        out["selected"] = len(selection["operations"]) if selection else None
    out["max_loop_lag_ms"] = round(lag.max_lag_s * 1000, 1)
    if done.status_code != 201:
        out["refused"] = {"step": "import", **_error(done)}
        return out
    body = done.json()
    tools = body.get("tools", [])
    warnings = _warnings(body)
    out["tools"] = len(tools)
    out["warnings"] = len(warnings)
    out["warning_examples"] = warnings[:5]
    out["tool_schema_chars"] = sum(len(json.dumps(t["input_schema"])) for t in tools)
    out["checks"] = check_all(tools)
    return out


# --- the whole corpus ---------------------------------------------------------------------


def vendor_problems(result: dict[str, Any]) -> list[str]:
    checks = result.get("checks") or {}
    problems = list(checks.get("stored", []))
    for entry in checks.get("vendors", {}).values():
        problems += entry["problems"]
    return problems


def summarize(results: list[dict[str, Any]]) -> dict[str, Any]:
    imported = [r for r in results if "tools" in r]
    refused = [r for r in results if "refused" in r]
    server_errors = [
        r for r in results if r.get("dry_run_status", 0) >= 500 or r.get("import_status", 0) >= 500
    ]
    invalid = [r for r in imported if vendor_problems(r)]
    share = len(imported) / len(results) if results else 0.0
    return {
        "documents": len(results),
        "publishers": len({r["publisher"] for r in results}),
        "imported": len(imported),
        "imported_share": round(share, 3),
        "refused": len(refused),
        "server_errors": len(server_errors),
        "documents_with_invalid_tools": len(invalid),
        "tools": sum(r["tools"] for r in imported),
        "max_loop_lag_ms": max((r.get("max_loop_lag_ms", 0) for r in results), default=0),
        "targets_met": share >= 0.9 and not server_errors and not invalid,
    }


def table(results: list[dict[str, Any]]) -> str:
    lines = [
        "| document | ops | dry run | import | tools | warnings | loop lag | peak RSS | vendors |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |",
    ]
    for r in results:
        if "refused" in r:
            ref = r["refused"]
            outcome = f"refused at {ref['step']}: {ref['status']} {ref['code']}"
            lines.append(
                f"| {r['file']} | {r.get('operations', '')} | {outcome} | | | | "
                f"{r.get('max_loop_lag_ms', '')} ms | {r['peak_rss_mib']} MiB | |"
            )
            continue
        problems = vendor_problems(r)
        vendors = "ok" if not problems else f"{len(problems)} problems"
        lines.append(
            f"| {r['file']} | {r['operations']} | {r['dry_run_s']} s | {r['import_s']} s | "
            f"{r['tools']} | {r['warnings']} | {r['max_loop_lag_ms']} ms | "
            f"{r['peak_rss_mib']} MiB | {vendors} |"
        )
    return "\n".join(lines)


async def run(args: argparse.Namespace) -> dict[str, Any]:
    entries = [e for e in read_manifest() if (DOCS / e.file).exists()]
    if args.only:
        entries = [e for e in entries if any(word.lower() in e.file.lower() for word in args.only)]
    entries = [e for e in entries if not any(word.lower() in e.file.lower() for word in args.skip)]
    if not entries:
        raise SystemExit(f"no documents in {DOCS}: run bench/openapi_corpus_gather.py first")
    server, base = serve_docs(DOCS)
    results = []
    try:
        with tempfile.TemporaryDirectory(prefix="openapi-corpus-") as tmp:
            async with app_client(Path(tmp)) as http:
                for n, entry in enumerate(entries, 1):
                    if args.via == "url":
                        source: dict[str, Any] = {"url": f"{base}/{entry.file}"}
                    else:
                        source = {"spec": (DOCS / entry.file).read_text(encoding="utf-8")}
                    with PeakRss() as rss:
                        try:
                            result = await run_document(http, source, entry.file)
                        except (httpx.HTTPError, TimeoutError) as exc:
                            result = {
                                "refused": {
                                    "step": "client",
                                    "status": 0,
                                    "code": "client_error",
                                    "message": repr(exc),
                                }
                            }
                    result = {
                        "file": entry.file,
                        "publisher": entry.publisher,
                        "size": int(entry.size or 0),
                        **result,
                        "peak_rss_mib": round(rss.peak / 2**20, 1),
                    }
                    results.append(result)
                    status = "ok" if "tools" in result else f"REFUSED {result['refused']}"
                    print(
                        f"[{n}/{len(entries)}] {entry.file}: {status} "
                        f"({len(vendor_problems(result))} vendor problems)",
                        file=sys.stderr,
                        flush=True,
                    )
    finally:
        server.shutdown()
    return {
        "kind": "openapi-corpus",
        "started_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "commit": git_head(),
        "via": args.via,
        "backend": str(Path(sys.modules["app"].__file__ or "").parent.parent),
        "cores": os.cpu_count(),
        "load_average_1m": round(os.getloadavg()[0], 2),
        "summary": summarize(results),
        "documents": results,
    }


def git_head() -> str:
    done = subprocess.run(
        ["git", "-C", str(HERE), "rev-parse", "--short", "HEAD"], capture_output=True, text=True
    )
    return done.stdout.strip()


def main() -> int:
    parser = argparse.ArgumentParser(description="Import the OpenAPI corpus; check every tool.")
    parser.add_argument("only", nargs="*", help="only files whose name contains one of these")
    parser.add_argument(
        "--skip", action="append", default=[], help="leave out files whose name contains this"
    )
    parser.add_argument("--via", choices=["url", "paste"], default="url")
    parser.add_argument(
        "--backend", type=Path, default=BACKEND, help="the backend folder to import `app` from"
    )
    parser.add_argument(
        "--out",
        type=Path,
        default=None,
        help="results JSON (default: bench/results/openapi-corpus-<date>.json)",
    )
    args = parser.parse_args()
    report = asyncio.run(run(args))
    out = args.out or HERE / "results" / f"openapi-corpus-{dt.date.today().isoformat()}.json"
    out.write_text(json.dumps(report, indent=1) + "\n", encoding="utf-8")
    print(table(report["documents"]))
    print(json.dumps(report["summary"], indent=1))
    print(f"written: {out}")
    return 0 if report["summary"]["targets_met"] else 1


if __name__ == "__main__":
    sys.exit(main())
