"""What the driver watches besides the clients: backend processes and database rows."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass

import asyncpg
import psutil

SAMPLE_INTERVAL_S = 0.1


class Backend:
    """The uvicorn master and its workers, found by the master's pid."""

    def __init__(self, pid: int) -> None:
        self.master = psutil.Process(pid)

    def processes(self) -> list[psutil.Process]:
        return [self.master, *self.master.children(recursive=True)]

    def workers(self) -> list[psutil.Process]:
        return self.master.children(recursive=True) or [self.master]

    def rss(self) -> float:
        return sum(_safe(_rss, p) for p in self.processes())

    def worker_rss(self) -> float:
        return sum(_safe(_rss, p) for p in self.workers())

    def cpu_seconds(self) -> float:
        def used(p: psutil.Process) -> float:
            times = p.cpu_times()
            return float(times.user + times.system)

        return sum(_safe(used, p) for p in self.processes())


def _rss(process: psutil.Process) -> float:
    return float(process.memory_info().rss)


def _safe(read: Callable[[psutil.Process], float], process: psutil.Process) -> float:
    try:
        return read(process)
    except (psutil.NoSuchProcess, psutil.AccessDenied):
        return 0


@dataclass
class Usage:
    cpu_s: float = 0.0
    wall_s: float = 0.0
    peak_rss: float = 0.0

    @property
    def cpu_percent(self) -> float:
        return 100 * self.cpu_s / self.wall_s if self.wall_s else 0.0


@contextlib.asynccontextmanager
async def watch(backend: Backend) -> AsyncIterator[Usage]:
    """CPU used and peak RSS of the backend while the block runs."""
    usage = Usage(peak_rss=backend.rss())
    cpu0, wall0 = backend.cpu_seconds(), time.perf_counter()

    async def sample() -> None:
        while True:
            await asyncio.sleep(SAMPLE_INTERVAL_S)
            usage.peak_rss = max(usage.peak_rss, await asyncio.to_thread(backend.rss))

    task = asyncio.create_task(sample())
    try:
        yield usage
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        usage.cpu_s = backend.cpu_seconds() - cpu0
        usage.wall_s = time.perf_counter() - wall0
        usage.peak_rss = max(usage.peak_rss, backend.rss())


class Rows:
    """Row counts of the tables the run loop writes."""

    def __init__(self, pool: asyncpg.Pool) -> None:
        self.pool = pool

    @classmethod
    async def connect(cls, dsn: str) -> Rows:
        return cls(await asyncpg.create_pool(dsn, min_size=1, max_size=4))

    async def close(self) -> None:
        await self.pool.close()

    async def counts(self) -> tuple[int, int]:
        """(messages, execution_traces)."""
        async with self.pool.acquire() as conn:
            row = await conn.fetchrow(
                "SELECT (SELECT count(*) FROM messages) AS m, "
                "(SELECT count(*) FROM execution_traces) AS t"
            )
        return int(row["m"]), int(row["t"])

    async def wait_for_messages(self, target: int, timeout_s: float = 5.0) -> tuple[float, int]:
        """Seconds until `messages` holds `target` rows (bounded), and the count then."""
        started = time.perf_counter()
        count = 0
        while time.perf_counter() - started < timeout_s:
            count, _ = await self.counts()
            if count >= target:
                break
            await asyncio.sleep(0.005)
        return time.perf_counter() - started, count
