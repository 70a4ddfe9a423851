"""OpenAPI import scenario: a 4 MB spec previews in under 5 s, the event loop never stalls
more than 50 ms, and memory stays flat over 30 imports.

    backend/.venv/bin/python bench/openapi_bench.py     # or: bash bench/run.sh --scenario openapi

The backend runs as in `make bench` (production settings, a fresh PostgreSQL database, Redis)
but as one uvicorn process (`openapi_bench_server.py`: the app plus a 5 ms loop-lag ticker in
its own event loop), so the process that parses is the one measured. The spec is Stripe's
`spec3.json` from the corpus (`openapi_corpus/`, 4.17 MB, 417 operations; `--spec` for
another), served from 127.0.0.1 and imported by URL, as a user would. Measured:

- previews (`dry_run: true`, the whole document: every operation listed): wall time at the
  client, the longest loop stall inside the server during each, and `/health` polled every
  20 ms from another thread (its worst latency: what every other user of the worker saw);
- 30 real imports of 128 selected operations (each into a new agent): the server's RSS, and
  its process tree's (the importer's worker processes), after each; the slope over imports
  6-30 in MiB per import.

Writes `bench/results/openapi-bench-<date>.json` and the table in bench/README.md.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import os
import secrets
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import httpx
import psutil

from harness import (
    BACKEND,
    HOST,
    PYTHON,
    Processes,
    backend_env,
    bench_database,
    free_port,
    log,
    wait_http,
)
from openapi_corpus import serve_docs

BENCH = Path(__file__).resolve().parent
DEFAULT_SPEC = BENCH / "openapi_corpus" / "docs" / "stripe__openapi_spec3.json"
README = BENCH / "README.md"
START, END = "<!-- bench:openapi:start -->", "<!-- bench:openapi:end -->"
TARGET_PREVIEW_S, TARGET_LAG_MS, TARGET_SLOPE_MIB = 5.0, 50.0, 1.0


class HealthPoller:
    """GET /health every 20 ms from a thread; keeps (start time, latency) of each."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.samples: list[tuple[float, float]] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        with httpx.Client(base_url=self.base, timeout=600) as http:
            while not self._stop.wait(0.02):
                started = time.time()
                with contextlib.suppress(httpx.HTTPError):
                    http.get("/health")
                self.samples.append((started, time.time() - started))

    def worst_ms(self, start: float, end: float) -> float:
        inside = [lat for t, lat in self.samples if start <= t <= end or start <= t + lat <= end]
        return round(max(inside, default=0.0) * 1000, 1)

    def __enter__(self) -> HealthPoller:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def stalls_ms(lag_file: Path, start: float, end: float) -> tuple[float, float]:
    """The longest loop stall the server's ticker saw overlapping [start, end], and the most CPU
    the loop's thread used within one stall (its own work, not waiting for a core)."""
    worst = busiest = 0.0
    for line in lag_file.read_text(encoding="utf-8").splitlines():
        stamp, ms, busy = (float(x) for x in line.split())
        if start <= stamp and stamp - ms / 1000 <= end:
            worst, busiest = max(worst, ms), max(busiest, busy)
    return round(worst, 1), round(busiest, 1)


def rss_mib(pid: int) -> tuple[float, float]:
    """(the server process, the server and its children) RSS in MiB."""
    proc = psutil.Process(pid)
    own = proc.memory_info().rss
    tree = own + sum(c.memory_info().rss for c in proc.children(recursive=True) if c.is_running())
    return round(own / 2**20, 1), round(tree / 2**20, 1)


def slope(values: list[float]) -> float:
    """Least-squares slope per step."""
    xs = range(len(values))
    mean_x, mean_y = statistics.fmean(xs), statistics.fmean(values)
    num = sum((x - mean_x) * (y - mean_y) for x, y in zip(xs, values, strict=True))
    den = sum((x - mean_x) ** 2 for x in xs)
    return round(num / den, 3) if den else 0.0


def set_up(base: str) -> httpx.Client:
    http = httpx.Client(base_url=base, timeout=600)
    setup = http.post(
        "/api/v1/auth/setup",
        json={
            "email": "openapi@example.com",
            "password": secrets.token_urlsafe(16),
            "name": "Bench",
            "workspace_name": "bench",
        },
    )
    setup.raise_for_status()
    http.headers["Authorization"] = f"Bearer {setup.json()['access_token']}"
    created = http.post("/api/v1/workspace/api-keys", json={"name": "openapi-bench"})
    created.raise_for_status()
    http.headers["Authorization"] = f"Bearer {created.json()['key']}"
    return http


def new_agent(http: httpx.Client, n: int) -> str:
    agent = http.post(
        "/api/v1/agents",
        json={"name": f"openapi bench {n}", "provider": "openai", "model": "gpt-4o-mini"},
    )
    agent.raise_for_status()
    return str(agent.json()["id"])


def measure(
    http: httpx.Client, spec_url: str, server_pid: int, lag_file: Path, args: argparse.Namespace
) -> dict[str, Any]:
    previews: list[dict[str, Any]] = []
    imports: list[dict[str, Any]] = []
    base = str(http.base_url)
    with HealthPoller(base) as health:
        time.sleep(1.0)  # a baseline of /health latencies with nothing else going on
        idle = [lat for _, lat in health.samples]
        agent = new_agent(http, 0)
        endpoint = f"/api/v1/agents/{agent}/integrations/import-openapi"
        keys: list[str] = []
        for n in range(args.previews):
            start = time.time()
            response = http.post(endpoint, json={"url": spec_url, "dry_run": True})
            end = time.time()
            body = response.json()
            stall, busy = stalls_ms(lag_file, start, end)
            previews.append(
                {
                    "status": response.status_code,
                    "seconds": round(end - start, 3),
                    "max_loop_stall_ms": stall,
                    "max_loop_busy_ms": busy,
                    "health_worst_ms": health.worst_ms(start, end),
                    "operations": body.get("total_operations"),
                    "warnings": len(body.get("warnings", [])),
                    "error": body.get("error"),
                }
            )
            log(f"preview {n + 1}: {previews[-1]}")
            keys = [op["key"] for op in body.get("operations", [])][: args.select]
        selection = {"operations": keys} if keys else None
        for n in range(args.imports):
            agent = new_agent(http, n + 1)
            start = time.time()
            response = http.post(
                f"/api/v1/agents/{agent}/integrations/import-openapi",
                json={"url": spec_url, **({"selection": selection} if selection else {})},
            )
            end = time.time()
            own, tree = rss_mib(server_pid)
            stall, busy = stalls_ms(lag_file, start, end)
            imports.append(
                {
                    "status": response.status_code,
                    "seconds": round(end - start, 3),
                    "tools": len(response.json().get("tools", []))
                    if response.status_code == 201
                    else 0,
                    "max_loop_stall_ms": stall,
                    "max_loop_busy_ms": busy,
                    "server_rss_mib": own,
                    "tree_rss_mib": tree,
                }
            )
            log(f"import {n + 1}: {imports[-1]}")
    return {
        "idle_health_p50_ms": round(statistics.median(idle) * 1000, 1) if idle else None,
        "previews": previews,
        "imports": imports,
    }


def verdict(result: dict[str, Any]) -> dict[str, Any]:
    previews, imports = result["previews"], result["imports"]
    warm = imports[5:]
    summary = {
        "preview_max_s": max(p["seconds"] for p in previews),
        "preview_all_ok": all(p["status"] == 200 for p in previews),
        "loop_stall_max_ms": max(p["max_loop_stall_ms"] for p in previews + imports),
        "loop_busy_max_ms": max(p["max_loop_busy_ms"] for p in previews + imports),
        "loop_busy_preview_max_ms": max(p["max_loop_busy_ms"] for p in previews),
        "loop_busy_import_max_ms": max((i["max_loop_busy_ms"] for i in imports), default=0.0),
        "health_worst_ms": max(p["health_worst_ms"] for p in previews),
        "imports_ok": sum(1 for i in imports if i["status"] == 201),
        "server_rss_first_last_mib": [imports[0]["server_rss_mib"], imports[-1]["server_rss_mib"]]
        if imports
        else None,
        "server_rss_slope_mib_per_import": slope([i["server_rss_mib"] for i in warm])
        if len(warm) > 1
        else None,
        "tree_rss_slope_mib_per_import": slope([i["tree_rss_mib"] for i in warm])
        if len(warm) > 1
        else None,
    }
    summary["targets_met"] = bool(
        summary["preview_all_ok"]
        and summary["preview_max_s"] < TARGET_PREVIEW_S
        and summary["loop_busy_max_ms"] <= TARGET_LAG_MS
        and summary["imports_ok"] == len(imports)
        and (summary["server_rss_slope_mib_per_import"] or 0) < TARGET_SLOPE_MIB
        and (summary["tree_rss_slope_mib_per_import"] or 0) < TARGET_SLOPE_MIB
    )
    return summary


def _yes(good: bool) -> str:
    return "yes" if good else "**no**"


def readme_block(report: dict[str, Any]) -> str:
    s = report["summary"]
    first, last = s["server_rss_first_last_mib"] or (0, 0)
    n_imports, n_previews = len(report["imports"]), len(report["previews"])
    own_slope = s["server_rss_slope_mib_per_import"] or 0
    tree_slope = s["tree_rss_slope_mib_per_import"] or 0
    rows = [
        (
            f"preview (dry run, every operation listed), slowest of {n_previews}",
            f"< {TARGET_PREVIEW_S:.0f} s",
            f"{s['preview_max_s']} s",
            _yes(s["preview_all_ok"] and s["preview_max_s"] < TARGET_PREVIEW_S),
        ),
        (
            "longest the server's event loop was busy without yielding, during a preview",
            f"<= {TARGET_LAG_MS:.0f} ms",
            f"{s['loop_busy_preview_max_ms']} ms",
            _yes(s["loop_busy_preview_max_ms"] <= TARGET_LAG_MS),
        ),
        (
            "the same during a real import (128 tools written)",
            f"<= {TARGET_LAG_MS:.0f} ms",
            f"{s['loop_busy_import_max_ms']} ms",
            _yes(s["loop_busy_import_max_ms"] <= TARGET_LAG_MS),
        ),
        (
            "longest event-loop stall, wall clock (includes waiting for a core)",
            "",
            f"{s['loop_stall_max_ms']} ms",
            "",
        ),
        (
            f"worst `/health` latency in a preview (idle p50 {report['idle_health_p50_ms']} ms)",
            "",
            f"{s['health_worst_ms']} ms",
            "",
        ),
        (
            f"real imports of {report['selected']} selected operations that succeeded",
            str(n_imports),
            str(s["imports_ok"]),
            _yes(s["imports_ok"] == n_imports),
        ),
        (
            f"server RSS (first → last import), slope over imports 6-{n_imports}",
            f"< {TARGET_SLOPE_MIB:.0f} MiB/import",
            f"{first} → {last} MiB, {own_slope} MiB/import",
            _yes(own_slope < TARGET_SLOPE_MIB),
        ),
        (
            "server + importer workers RSS, slope",
            f"< {TARGET_SLOPE_MIB:.0f} MiB/import",
            f"{tree_slope} MiB/import",
            _yes(tree_slope < TARGET_SLOPE_MIB),
        ),
    ]
    spec = report["spec"]
    head = (
        f"Run of {report['started_at']} (commit {report['commit']}): `{spec['name']}` "
        f"({spec['bytes'] / 1e6:.2f} MB, {report['previews'][0].get('operations')} operations) "
        f"by URL; {report['cores']} cores, load average {report['load_average_1m']} before the run."
    )
    table = ["| measure | target | result | met |", "| --- | --- | ---: | --- |"]
    table += [f"| {m} | {t} | {r} | {ok} |" for m, t, r, ok in rows]
    return "\n".join([head, "", *table])


def write_readme(block: str) -> None:
    text = README.read_text(encoding="utf-8")
    if START not in text:
        return
    head, rest = text.split(START, 1)
    _, tail = rest.split(END, 1)
    README.write_text(f"{head}{START}\n{block}\n{END}{tail}", encoding="utf-8")


def main() -> int:
    parser = argparse.ArgumentParser(
        description="OpenAPI import: preview time, loop stalls, memory."
    )
    parser.add_argument("--spec", type=Path, default=DEFAULT_SPEC)
    parser.add_argument("--previews", type=int, default=3)
    parser.add_argument("--imports", type=int, default=30)
    parser.add_argument("--select", type=int, default=128, help="operations per real import")
    parser.add_argument("--backend", type=Path, default=BACKEND, help="the backend folder to run")
    parser.add_argument("--no-readme", action="store_true")
    parser.add_argument("--out", type=Path, default=None)
    parser.add_argument(
        "--render", type=Path, help="only rewrite README's table from a results JSON"
    )
    args = parser.parse_args()
    if args.render:
        report = json.loads(args.render.read_text(encoding="utf-8"))
        report["summary"] = verdict(report)
        write_readme(readme_block(report))
        return 0
    if not args.spec.exists():
        raise SystemExit(
            f"{args.spec} is missing: gather the corpus first (bench/openapi_corpus/README.md)"
        )
    load = round(os.getloadavg()[0], 2)
    started = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    procs = Processes()
    docs_server, docs_base = serve_docs(args.spec.parent)
    try:
        with bench_database() as dsn, tempfile.TemporaryDirectory(prefix="openapi-bench-") as tmp:
            work = Path(tmp)
            env = backend_env(dsn, "http://127.0.0.1:9", work, workers=1)
            subprocess.run([PYTHON, "-m", "app", "migrate"], cwd=args.backend, env=env, check=True)
            port, lag_file = free_port(), work / "lag.txt"
            lag_file.touch()
            server = procs.start(
                [
                    PYTHON,
                    str(BENCH / "openapi_bench_server.py"),
                    "--port",
                    str(port),
                    "--lag-file",
                    str(lag_file),
                ],
                cwd=args.backend,
                env=env,
                log_file=work / "backend.log",
            )
            base = f"http://{HOST}:{port}"
            wait_http(f"{base}/health", server)
            http = set_up(base)
            try:
                result = measure(http, f"{docs_base}/{args.spec.name}", server.pid, lag_file, args)
            finally:
                http.close()
            errors = [
                line
                for line in (work / "backend.log").read_text(errors="replace").splitlines()
                if "Traceback" in line or "ERROR" in line
            ]
    finally:
        procs.stop_all()
        docs_server.shutdown()
    report = {
        "kind": "openapi-bench",
        "started_at": started,
        "commit": subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=BENCH, capture_output=True, text=True
        ).stdout.strip(),
        "cores": os.cpu_count(),
        "load_average_1m": load,
        "spec": {"name": args.spec.name, "bytes": args.spec.stat().st_size},
        "selected": args.select,
        **result,
        "backend_log_errors": errors[:20],
    }
    report["summary"] = verdict(report)
    out = args.out or BENCH / "results" / f"openapi-bench-{dt.date.today().isoformat()}.json"
    out.write_text(json.dumps(report, indent=1) + "\n", encoding="utf-8")
    block = readme_block(report)
    if not args.no_readme:
        write_readme(block)
    print(block)
    print(f"written: {out}")
    return 0 if report["summary"]["targets_met"] else 1


if __name__ == "__main__":
    sys.exit(main())
