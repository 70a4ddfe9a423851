"""Parse and plan in a worker process, under a time and a memory budget.

A document can be large (Stripe: 4 MB), deep or hostile; parsing and planning it is CPU work
that would stall the event loop and, in the server's own process, memory that is never given
back. So it runs in a small process pool (started on first use, `OPENAPI_WORKERS` processes,
each replaced after a few jobs so memory stays flat), capped by `RLIMIT_AS`
(`OPENAPI_MAX_MEMORY_MB`) and by a per-job timeout (`OPENAPI_PARSE_TIMEOUT_S`) after which the
pool is killed and replaced. The event loop only awaits a future.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import multiprocessing
import resource
import sys
import weakref
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from typing import Any

from app.integrations.openapi.errors import SpecError, SpecTooComplex
from app.integrations.openapi.loader import parse_spec_text
from app.integrations.openapi.plan import ImportPlan, Selection, plan_import

JOBS_PER_WORKER = 8


@dataclass
class PlanRequest:
    text: str
    source_url: str | None = None
    name: str | None = None
    base_url: str | None = None
    selection: Selection | None = None
    name_prefix: str = ""
    server_variables: dict[str, str] | None = None
    keep_spec: bool = False


def run_plan(request: PlanRequest) -> ImportPlan:
    """Parse and plan (in whichever process calls it)."""
    try:
        return plan_import(
            parse_spec_text(request.text),
            source_url=request.source_url,
            name=request.name,
            base_url=request.base_url,
            selection=request.selection,
            name_prefix=request.name_prefix,
            server_variables=request.server_variables,
            keep_spec=request.keep_spec,
        )
    except RecursionError:
        raise SpecTooComplex("The document nests too deeply to import") from None


def _limit_memory(max_memory_mb: int) -> None:
    """Worker initializer: cap the address space, so a runaway document ends in MemoryError
    (a clear refusal) instead of swapping the host."""
    if max_memory_mb > 0:
        limit = max_memory_mb * 1024 * 1024
        # A lower hard limit may already be in place: keep it.
        with contextlib.suppress(ValueError, OSError):
            resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    sys.setrecursionlimit(5_000)


def _run_in_worker(request: PlanRequest, max_memory_mb: int) -> ImportPlan:
    try:
        return run_plan(request)
    except MemoryError:
        raise SpecTooComplex(
            f"The document needs more than {max_memory_mb} MB to import (OPENAPI_MAX_MEMORY_MB)"
        ) from None


class SpecWorkers:
    """A lazily started, self-healing process pool for import plans."""

    def __init__(self, workers: int, timeout_s: float, max_memory_mb: int) -> None:
        self.workers = max(1, workers)
        self.timeout_s = timeout_s
        self.max_memory_mb = max_memory_mb
        self._pool: concurrent.futures.ProcessPoolExecutor | None = None
        # One semaphore per event loop (an asyncio primitive belongs to the loop that uses it).
        self._slots: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Semaphore] = (
            weakref.WeakKeyDictionary()
        )

    def _executor(self) -> concurrent.futures.ProcessPoolExecutor:
        if self._pool is None:
            # spawn: a fork of the server would copy its threads, sockets and memory.
            self._pool = concurrent.futures.ProcessPoolExecutor(
                max_workers=self.workers,
                mp_context=multiprocessing.get_context("spawn"),
                initializer=_limit_memory,
                initargs=(self.max_memory_mb,),
                max_tasks_per_child=JOBS_PER_WORKER,
            )
        return self._pool

    async def plan(self, request: PlanRequest) -> ImportPlan:
        # The semaphore keeps queued jobs from spending their timeout waiting for a worker.
        loop = asyncio.get_running_loop()
        slots = self._slots.setdefault(loop, asyncio.Semaphore(self.workers))
        async with slots:
            pool = self._executor()
            try:
                # Submitted from a thread: a submit may start a worker process, tens of
                # milliseconds the event loop should not wait for.
                submitted = await asyncio.to_thread(
                    pool.submit, _run_in_worker, request, self.max_memory_mb
                )
                return await asyncio.wait_for(asyncio.wrap_future(submitted), self.timeout_s)
            except TimeoutError:
                self._kill()
                raise SpecTooComplex(
                    f"Importing the document took longer than {self.timeout_s:g} s "
                    "(OPENAPI_PARSE_TIMEOUT_S)"
                ) from None
            except BrokenProcessPool:
                self._kill()
                raise SpecTooComplex(
                    "The document could not be processed within the import limits "
                    f"({self.max_memory_mb} MB, OPENAPI_MAX_MEMORY_MB)"
                ) from None

    def _kill(self) -> None:
        pool, self._pool = self._pool, None
        if pool is None:
            return
        # ProcessPoolExecutor cannot cancel a running job: end its processes, then the pool.
        processes: dict[int, Any] = getattr(pool, "_processes", None) or {}
        for process in list(processes.values()):
            if process.is_alive():
                process.kill()
        pool.shutdown(wait=False, cancel_futures=True)

    def close(self) -> None:
        self._kill()


_pools: dict[tuple[int, float, int], SpecWorkers] = {}


def spec_workers(workers: int, timeout_s: float, max_memory_mb: int) -> SpecWorkers:
    """The process-wide pool for these limits (processes start on the first job)."""
    key = (workers, timeout_s, max_memory_mb)
    if key not in _pools:
        _pools[key] = SpecWorkers(workers, timeout_s, max_memory_mb)
    return _pools[key]


__all__ = ["PlanRequest", "SpecError", "SpecWorkers", "run_plan", "spec_workers"]
