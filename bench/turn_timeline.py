"""Where the platform's added time to first token goes: one turn's timeline, step by step.

Runs the backend app in this process (one uvicorn worker, the bench's production settings from
the environment), plays a few warm turns over a real WebSocket and prints, for the last one,
every SQL statement, Redis command and provider request with its start offset and duration
from the moment the `user_message` frame was sent, up to the first `content_delta`.

    python bench/turn_timeline.py --token KEY --agent-id ID      # env as bench/harness.py sets

The harness runs it after the driver and stores the timeline with the results. It only
observes (SQLAlchemy events, wrappers on this process's Redis client, the httpx/httpx2 sends and
the app's model/tool factory hooks); nothing in the app is changed, except with
`--ab-pre-ping`, a what-if that turns off the connection pool's ping on checkout for every
other turn (reported apart, so both halves see the same machine).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import socket
import sys
import time
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import httpx2
import uvicorn
from sqlalchemy import event
from sqlalchemy.orm import Session
from websockets.asyncio.client import connect

from clients import PROMPT

Step = tuple[float, float, str]  # start, duration, what
Turn = tuple[float, float | None, float | None, list[Step]]  # sent, first delta, done, steps
WARM_UP_TURNS = 2


class Recorder:
    def __init__(self) -> None:
        self.steps: list[Step] = []

    def add(self, started: float, what: str) -> None:
        self.steps.append((started, time.perf_counter() - started, what))


def observe_sql(engine: Any, recorder: Recorder) -> None:
    @event.listens_for(engine.sync_engine, "before_cursor_execute")
    def before(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        conn.info.setdefault("bench_started", []).append(time.perf_counter())

    @event.listens_for(engine.sync_engine, "after_cursor_execute")
    def after(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        started = conn.info["bench_started"].pop()
        recorder.add(started, "sql " + " ".join(statement.split())[:90])

    @event.listens_for(engine.sync_engine, "commit")
    def commit(conn: Any) -> None:
        recorder.steps.append((time.perf_counter(), 0.0, "sql COMMIT issued"))

    @event.listens_for(Session, "after_commit")
    def committed(session: Session) -> None:
        recorder.steps.append((time.perf_counter(), 0.0, "sql COMMIT done"))


def observe_model(app: Any, recorder: Recorder) -> None:
    """Wrap the app's model and tool factories (hooks meant for swapping) to time them and the
    moment the run loop asks the model to stream."""
    make_model, make_tools = app.state.model_factory, app.state.tool_factory

    async def model_factory(*args: Any) -> Any:
        started = time.perf_counter()
        model = await make_model(*args)
        recorder.add(started, "model_factory (agent's model + provider key)")
        stream = model.stream

        def timed_stream(*a: Any, **k: Any) -> Any:
            recorder.steps.append((time.perf_counter(), 0.0, "run loop calls model.stream"))
            return stream(*a, **k)

        model.stream = timed_stream
        return model

    async def tool_factory(*args: Any) -> Any:
        started = time.perf_counter()
        tools = await make_tools(*args)
        recorder.add(started, "tool_factory (agent's tools)")
        return tools

    app.state.model_factory, app.state.tool_factory = model_factory, tool_factory


def observe_redis(redis: Any, recorder: Recorder) -> None:
    original: Callable[..., Awaitable[Any]] = redis.execute_command

    async def execute(*args: Any, **kwargs: Any) -> Any:
        started = time.perf_counter()
        try:
            return await original(*args, **kwargs)
        finally:
            recorder.add(started, f"redis {args[0]}")

    redis.execute_command = execute


def observe_http(recorder: Recorder) -> None:
    """Outbound requests, time until the response headers: the provider SDKs' httpx2 client and
    the tools' httpx client."""
    for module, label in ((httpx2, "http"), (httpx, "tool http")):
        original = module.AsyncClient.send

        def wrap(original: Any = original, label: str = label) -> Any:
            async def send(self: Any, request: Any, *args: Any, **kwargs: Any) -> Any:
                started = time.perf_counter()
                response = await original(self, request, *args, **kwargs)
                recorder.add(started, f"{label} {request.method} {request.url.path} (to headers)")
                return response

            return send

        module.AsyncClient.send = wrap()


async def run(args: argparse.Namespace) -> dict[str, Any]:
    from app.main import create_app

    recorder = Recorder()
    app = create_app()
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on")
    server = uvicorn.Server(config)
    serving = asyncio.create_task(server.serve())
    while not server.started:
        await asyncio.sleep(0.05)
        if serving.done():
            raise RuntimeError("in-process server did not start")
    pool = app.state.engine.sync_engine.pool
    pinging = bool(getattr(pool, "_pre_ping", False))
    observe_sql(app.state.engine, recorder)
    if app.state.redis is not None:
        observe_redis(app.state.redis, recorder)
    observe_http(recorder)
    observe_model(app, recorder)
    turns: list[Turn] = []
    what_if: list[Turn] = []
    try:
        url = f"ws://127.0.0.1:{port}/api/v1/playground/{args.agent_id}"
        async with connect(url, ping_interval=None) as ws:
            await ws.send(json.dumps({"type": "auth", "token": args.token}))
            while json.loads(await ws.recv()).get("type") != "agent_loaded":
                pass
            for index in range(args.turns):
                # A/B what-if: every other measured turn without the ping on pool checkout.
                without_ping = args.ab_pre_ping and index >= WARM_UP_TURNS and index % 2 == 1
                pool._pre_ping = pinging and not without_ping
                recorder.steps.clear()
                sent = time.perf_counter()
                frame = {"type": "user_message", "content": PROMPT, "conversation_id": None}
                await ws.send(json.dumps(frame))
                first = done = None
                while done is None:
                    kind = json.loads(await asyncio.wait_for(ws.recv(), 30)).get("type")
                    now = time.perf_counter()
                    if kind == "content_delta":
                        if first is None:
                            first = now
                            recorder.steps.append((now, 0.0, "frame first content_delta"))
                        continue
                    recorder.steps.append((now, 0.0, f"frame {kind}"))
                    if kind in ("message_complete", "error"):
                        done = now
                await asyncio.sleep(0.2)  # let the run finish its bookkeeping before the next
                (what_if if without_ping else turns).append(
                    (sent, first, done, sorted(recorder.steps))
                )
    finally:
        server.should_exit = True
        with contextlib.suppress(Exception):
            await asyncio.wait_for(serving, 10)
    measured = turns[WARM_UP_TURNS:] or turns
    sent, first, done, steps = _median_turn(measured)
    timeline: dict[str, Any] = {
        **_medians(measured),
        "first_delta_ms": _offset(sent, first) if first else None,
        "message_complete_ms": _offset(sent, done) if done else None,
        "steps": [
            {"at_ms": _offset(sent, start), "took_ms": round(took * 1000, 2), "what": what}
            for start, took, what in steps
        ],
    }
    if what_if:
        timeline["what_if_no_pre_ping"] = _medians(what_if)
    return timeline


def _offset(sent: float, t: float) -> float:
    return round((t - sent) * 1000, 2)


def _median_turn(turns: list[Turn]) -> Turn:
    """The turn with the median time to first delta stands for the run."""
    ranked = sorted(turns, key=lambda t: (t[1] or t[0]) - t[0])
    return ranked[len(ranked) // 2]


def _medians(turns: list[Turn]) -> dict[str, Any]:
    def request_at(turn: Turn) -> float | None:
        sent, _, _, steps = turn
        posts = [start for start, _, what in steps if what.startswith("http POST")]
        return _offset(sent, posts[0]) if posts else None

    requests = sorted(r for r in map(request_at, turns) if r is not None)
    firsts = sorted(_offset(t[0], t[1]) for t in turns if t[1] is not None)
    return {
        "turns": len(turns),
        "median_request_ms": requests[len(requests) // 2] if requests else None,
        "median_first_delta_ms": firsts[len(firsts) // 2] if firsts else None,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--token", required=True)
    parser.add_argument("--agent-id", required=True)
    parser.add_argument("--turns", type=int, default=18, help="the first 2 only warm up")
    parser.add_argument("--out", default="", help="also write the timeline JSON here")
    parser.add_argument(
        "--ab-pre-ping",
        action="store_true",
        help="what-if: every other turn without the pool's pre-ping, reported apart",
    )
    args = parser.parse_args()
    timeline = asyncio.run(run(args))
    for step in timeline["steps"]:
        print(f"{step['at_ms']:9.2f} ms  +{step['took_ms']:7.2f} ms  {step['what']}")
    print(
        f"first content_delta at {timeline['first_delta_ms']} ms; "
        f"message_complete at {timeline['message_complete_ms']} ms; over "
        f"{timeline['turns']} turns the median provider request at "
        f"{timeline['median_request_ms']} ms, first content_delta at "
        f"{timeline['median_first_delta_ms']} ms"
    )
    if args.out:
        with open(args.out, "w") as f:
            json.dump(timeline, f, indent=2)
    sys.stdout.flush()


if __name__ == "__main__":
    main()
