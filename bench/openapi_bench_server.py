"""The backend (one uvicorn process) with a loop-lag ticker in its own event loop.

`openapi_bench.py` starts this instead of `uvicorn app.asgi:app`: the same app and the same
production WebSocket flags, plus a task that wakes every 5 ms and appends every stall longer
than 1 ms to `--lag-file` as `<unix time> <stall ms> <busy ms>`. A stall is time the loop did
not get back to the ticker; "busy" is the CPU time the loop's own thread used meanwhile. On
a machine short of CPU the two differ: a stall with little busy time is the process waiting
for a core (other processes' doing), one that is nearly all busy is work on the loop.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import time
from pathlib import Path

import uvicorn

TICK_S = 0.005


async def ticker(lag_file: Path) -> None:
    loop = asyncio.get_running_loop()
    with lag_file.open("a", buffering=1, encoding="utf-8") as out:
        while True:
            before, cpu_before = loop.time(), time.thread_time()
            await asyncio.sleep(TICK_S)
            stall = loop.time() - before - TICK_S
            busy = time.thread_time() - cpu_before
            if stall > 0.001:
                out.write(f"{time.time():.4f} {stall * 1000:.1f} {busy * 1000:.1f}\n")


async def main(port: int, lag_file: Path) -> None:
    config = uvicorn.Config(
        "app.asgi:app",
        host="127.0.0.1",
        port=port,
        log_level="warning",
        ws_per_message_deflate=False,
        ws_max_size=1024 * 1024,
    )
    probe = asyncio.create_task(ticker(lag_file))
    try:
        await uvicorn.Server(config).serve()
    finally:
        probe.cancel()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--lag-file", type=Path, required=True)
    args = parser.parse_args()
    sys.path.insert(0, os.getcwd())  # the backend folder it is started in, before any install
    asyncio.run(main(args.port, args.lag_file))
