"""The load driver: its own process, measuring direct and platform paths interleaved.

For each concurrency level it opens C playground sockets, then alternates phases: C concurrent
direct SDK turns, then C concurrent platform turns, and so on for a few rounds, so both paths see
the same machine state. Backend CPU and peak memory are sampled during platform phases, and
PostgreSQL row counts give the persistence rate and write lag. Then: memory per idle socket,
the tool-hop scenario and the REST scenario. Everything goes to one JSON file.

Started by bench/harness.py, which owns the processes; see bench/README.md.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import json
import signal
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from clients import DirectClient, PlatformSocket, Turn
from probes import Backend, Rows, watch
from rest import create_agents, rest_scenario
from stats import diff, ms, percentile, ratio

CONNECT_CONCURRENCY = 64
IDLE_CPU_WINDOW_S = 3.0  # backend CPU with no traffic at all, the floor under "backend CPU"
# concurrency -> (rounds, turns per worker per phase): enough samples for a p99, kept short.
SCHEDULE = {1: (4, 8), 16: (3, 2), 64: (3, 1), 256: (2, 1), 512: (2, 1)}


@dataclass
class Context:
    args: argparse.Namespace
    direct: DirectClient
    backend: Backend
    rows: Rows
    deadline: float

    def ws_url(self, agent_id: str) -> str:
        base = self.args.backend.replace("http://", "ws://", 1)
        return f"{base}/api/v1/playground/{agent_id}"


async def open_sockets(
    ctx: Context, agent_id: str, count: int, *, deflate: bool = True
) -> list[PlatformSocket]:
    gate = asyncio.Semaphore(CONNECT_CONCURRENCY)

    async def one() -> PlatformSocket:
        async with gate:
            return await PlatformSocket.open(ctx.ws_url(agent_id), ctx.args.token, deflate=deflate)

    results = await asyncio.gather(*(one() for _ in range(count)), return_exceptions=True)
    sockets = [s for s in results if isinstance(s, PlatformSocket)]
    failures = [r for r in results if isinstance(r, BaseException)]
    if failures:
        await close_sockets(sockets)
        raise RuntimeError(f"{len(failures)} of {count} sockets failed to open: {failures[0]!r}")
    return sockets


async def close_sockets(sockets: list[PlatformSocket]) -> None:
    await asyncio.gather(*(s.close() for s in sockets), return_exceptions=True)


async def phase(
    workers: list[Callable[[], Awaitable[Turn]]], turns_each: int
) -> tuple[list[Turn], float]:
    """Run every worker `turns_each` times in sequence, all workers at once; turns and wall."""

    async def worker(run: Callable[[], Awaitable[Turn]]) -> list[Turn]:
        return [await run() for _ in range(turns_each)]

    started = time.perf_counter()
    batches = await asyncio.gather(*(worker(w) for w in workers))
    return [t for batch in batches for t in batch], time.perf_counter() - started


def summarize(turns: list[Turn], wall: float, tokens: int) -> dict[str, Any]:
    ok = [t for t in turns if t.error is None]
    ttfts = [t.ttft for t in ok if t.ttft is not None]
    gaps = [g for t in ok for g in t.gaps]
    integrity = [t.integrity(tokens) for t in ok]
    hops = [t.tool_hop_s for t in ok if t.tool_hop_s is not None]
    durations = [t.ended - t.started for t in ok if t.ended is not None]
    return {
        "turns": len(turns),
        "errors": len(turns) - len(ok),
        "error_codes": dict(collections.Counter(t.error for t in turns if t.error)),
        "ttft_p50_ms": ms(percentile(ttfts, 50)),
        "ttft_p99_ms": ms(percentile(ttfts, 99)),
        "gap_p50_ms": ms(percentile(gaps, 50)),
        "gap_p99_ms": ms(percentile(gaps, 99)),
        "turn_p50_ms": ms(percentile(durations, 50)),
        "turn_p99_ms": ms(percentile(durations, 99)),
        "tool_hop_p50_ms": ms(percentile(hops, 50)),
        "tool_hop_p99_ms": ms(percentile(hops, 99)),
        "turns_per_s": round(len(ok) / wall, 2) if wall else None,
        "chunks_dropped": sum(d for d, _ in integrity),
        "chunks_merged": sum(m for _, m in integrity),
        "busy_refusals": sum(t.busy_refusals for t in turns),
    }


def added(platform: dict[str, Any], direct: dict[str, Any]) -> dict[str, Any]:
    return {
        "ttft_p50_ms": diff(platform["ttft_p50_ms"], direct["ttft_p50_ms"]),
        "ttft_p99_ms": diff(platform["ttft_p99_ms"], direct["ttft_p99_ms"]),
        "gap_p99_ms": diff(platform["gap_p99_ms"], direct["gap_p99_ms"]),
        "turn_p50_ms": diff(platform["turn_p50_ms"], direct["turn_p50_ms"]),
        "tool_hop_p50_ms": diff(platform["tool_hop_p50_ms"], direct["tool_hop_p50_ms"]),
        "tool_hop_p99_ms": diff(platform["tool_hop_p99_ms"], direct["tool_hop_p99_ms"]),
        "throughput_ratio": ratio(platform["turns_per_s"], direct["turns_per_s"]),
    }


async def streaming_level(
    ctx: Context, agent_id: str, concurrency: int, *, with_tool: bool = False
) -> dict[str, Any]:
    rounds, turns_each = SCHEDULE.get(concurrency, (2, 1))
    sockets = await open_sockets(ctx, agent_id, concurrency)
    direct_turns: list[Turn] = []
    platform_turns: list[Turn] = []
    direct_wall = platform_wall = cpu_s = lag_max = 0.0
    peak_rss = 0.0
    written = [0, 0]
    missing = 0
    try:
        for _ in range(rounds):
            turns, wall = await phase(
                [lambda: ctx.direct.turn(with_tool=with_tool)] * concurrency, turns_each
            )
            direct_turns += turns
            direct_wall += wall
            before = await ctx.rows.counts()
            async with watch(ctx.backend) as usage:
                turns, wall = await phase([s.turn for s in sockets], turns_each)
            platform_turns += turns
            platform_wall += wall
            cpu_s += usage.cpu_s
            peak_rss = max(peak_rss, usage.peak_rss)
            per_turn = 4 if with_tool else 2  # user + assistant (+ assistant tool call + tool)
            target = before[0] + per_turn * sum(1 for t in turns if t.error is None)
            lag, count = await ctx.rows.wait_for_messages(target)
            lag_max = max(lag_max, lag)
            missing += max(0, target - count)
            after = await ctx.rows.counts()
            written[0] += after[0] - before[0]
            written[1] += after[1] - before[1]
    finally:
        await close_sockets(sockets)
    direct = summarize(direct_turns, direct_wall, ctx.args.tokens)
    platform = summarize(platform_turns, platform_wall, ctx.args.tokens)
    ok_turns = platform["turns"] - platform["errors"]
    return {
        "concurrency": concurrency,
        "direct": direct,
        "platform": platform,
        "added": added(platform, direct),
        "backend": {
            "cpu_percent": round(100 * cpu_s / platform_wall, 1) if platform_wall else None,
            "cpu_ms_per_turn": round(1000 * cpu_s / max(1, platform["turns"]), 2),
            "peak_rss_mib": round(peak_rss / 2**20, 1),
        },
        "persistence": {
            "messages_per_s": round(written[0] / platform_wall, 1) if platform_wall else None,
            "traces_per_s": round(written[1] / platform_wall, 1) if platform_wall else None,
            "messages_per_turn": round(written[0] / max(1, ok_turns), 2),
            "traces_per_turn": round(written[1] / max(1, ok_turns), 2),
            "write_lag_max_ms": ms(lag_max),
            "messages_missing": missing,
        },
    }


async def idle_sockets(ctx: Context, agent_id: str, count: int) -> dict[str, Any]:
    """Worker RSS growth per open, authenticated, idle socket: with permessage-deflate
    negotiated (what browsers offer) and without it."""
    result: dict[str, Any] = {"sockets": count}
    for deflate in (True, False):
        await asyncio.sleep(1)
        before = ctx.backend.worker_rss()
        sockets = await open_sockets(ctx, agent_id, count, deflate=deflate)
        try:
            await asyncio.sleep(2)
            after = ctx.backend.worker_rss()
        finally:
            await close_sockets(sockets)
        label = "deflate" if deflate else "plain"
        result[label] = {
            "rss_before_mib": round(before / 2**20, 1),
            "rss_after_mib": round(after / 2**20, 1),
            "kib_per_socket": round((after - before) / count / 1024, 1),
        }
    return result


async def warm_up(ctx: Context, agent_id: str) -> None:
    """Let both workers import, connect and fill their pools before anything is measured."""
    sockets = await open_sockets(ctx, agent_id, 8)
    try:
        await phase([s.turn for s in sockets], 2)
        await phase([ctx.direct.turn] * 8, 2)
    finally:
        await close_sockets(sockets)


def start_profiler(pid: int, out: Path) -> subprocess.Popen[bytes]:
    """py-spy sampling the backend master and workers, after warm-up (collapsed stacks, read by
    bench/hotspots.py)."""
    spy = Path(sys.executable).with_name("py-spy")
    args = [
        str(spy),
        "record",
        "--pid",
        str(pid),
        "--subprocesses",
        "--format",
        "raw",
        "--rate",
        "200",
        "--nonblocking",
        "--output",
        str(out),
    ]
    return subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def log(message: str) -> None:
    print(f"[driver {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


async def run(args: argparse.Namespace) -> dict[str, Any]:
    direct = DirectClient(args.provider, args.provider_url, args.model, args.tool_url)
    rows = await Rows.connect(args.dsn)
    ctx = Context(args, direct, Backend(args.backend_pid), rows, time.monotonic() + args.budget_s)
    headers = {"Authorization": f"Bearer {args.token}"}
    http = httpx.AsyncClient(base_url=args.backend, headers=headers, timeout=60)
    results: dict[str, Any] = {"streaming": [], "skipped": []}
    spy: subprocess.Popen[bytes] | None = None
    try:
        log("warming up")
        await warm_up(ctx, args.agent_id)
        spy = start_profiler(args.backend_pid, args.profile) if args.profile else None
        async with watch(ctx.backend) as quiet:
            await asyncio.sleep(IDLE_CPU_WINDOW_S)
        results["backend_idle_cpu_percent"] = round(quiet.cpu_percent, 1)
        log(f"idle sockets: {args.idle_sockets}")
        results["idle_sockets"] = await idle_sockets(ctx, args.agent_id, args.idle_sockets)
        for level in args.levels:
            if time.monotonic() > ctx.deadline:
                results["skipped"].append(f"streaming c={level}: time budget spent")
                continue
            log(f"streaming c={level}")
            results["streaming"].append(await streaming_level(ctx, args.agent_id, level))
        if args.tool_agent_id:
            results["tool_hop"] = []
            for level in args.tool_levels:
                log(f"tool hop c={level}")
                outcome = await streaming_level(ctx, args.tool_agent_id, level, with_tool=True)
                results["tool_hop"].append(outcome)
        if not args.rest_agents:
            return results
        log(f"REST: creating {args.rest_agents} agents")
        started = time.perf_counter()
        ids = await create_agents(http, args.rest_agents, 16)
        created_s = time.perf_counter() - started
        log("REST: list and read")
        results["rest"] = await rest_scenario(
            http, args.dsn, ids, requests=args.rest_requests, concurrency=16, rounds=2
        )
        results["rest"]["create_per_s"] = round(len(ids) / created_s, 1)
    finally:
        if spy is not None:
            spy.send_signal(signal.SIGINT)
            spy.wait(timeout=60)
            log(f"profile: {args.profile} (python bench/hotspots.py {args.profile})")
        await http.aclose()
        await direct.close()
        await rows.close()
    return results


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    def ints(value: str) -> list[int]:
        return [int(v) for v in value.split(",") if v]

    parser = argparse.ArgumentParser(description="Agent Builder benchmark load driver")
    parser.add_argument("--backend", required=True, help="http://127.0.0.1:PORT")
    parser.add_argument("--backend-pid", type=int, required=True)
    parser.add_argument("--token", required=True)
    parser.add_argument("--agent-id", required=True)
    parser.add_argument("--tool-agent-id", default="")
    parser.add_argument("--provider", choices=["openai", "anthropic"], default="openai")
    parser.add_argument("--provider-url", required=True)
    parser.add_argument("--model", default="bench-model")
    parser.add_argument("--tool-url", required=True)
    parser.add_argument("--dsn", required=True, help="postgresql://... of the bench database")
    parser.add_argument("--tokens", type=int, required=True, help="tokens per fake answer")
    parser.add_argument("--levels", type=ints, default=[1, 16, 64, 256, 512])
    parser.add_argument("--tool-levels", type=ints, default=[1, 16])
    parser.add_argument("--idle-sockets", type=int, default=512)
    parser.add_argument("--rest-agents", type=int, default=1000)
    parser.add_argument("--rest-requests", type=int, default=1000)
    parser.add_argument("--budget-s", type=float, default=600)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--profile", type=Path, default=None, help="py-spy output (raw stacks)")
    return parser.parse_args(argv)


def main() -> None:
    args = parse_args()
    results = asyncio.run(run(args))
    args.out.write_text(json.dumps(results, indent=2))
    log(f"wrote {args.out}")


if __name__ == "__main__":
    main()
