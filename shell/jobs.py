"""Background and periodic work on taskiq: in-process by default, Redis streams when configured.

Areas register work at import time::

    @jobs.task("notifications.fan_out", queue=jobs.URGENT)
    async def fan_out(message_id: int) -> None: ...

    jobs.periodic("garbage.reminders", every=timedelta(minutes=15), run=send_reminders)

and enqueue it with ``await jobs.enqueue("notifications.fan_out", message_id=1)``.

Without ``MACHI_REDIS_URL`` a task runs in the web process as soon as it is enqueued (taskiq's
in-memory broker) and periodic jobs run on a timer in that process. With Redis every task goes to a
Redis stream (acknowledged only when done, so a worker that dies leaves it for the next one) and
``machi worker`` runs the tasks and the timers; web workers only enqueue. Urgent work (a disaster
broadcast) has its own stream and its own consumers, so it never waits behind routine mail.

Delivery is at least once: a task and a periodic job must be idempotent.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from taskiq import AsyncBroker, InMemoryBroker
from taskiq.api import run_receiver_task

log = logging.getLogger("machi.jobs")

URGENT = "urgent"
ROUTINE = "routine"
QUEUES = (URGENT, ROUTINE)
# How long stop() waits for the receivers and timers it cancelled. taskiq's receiver finishes a
# Redis read it had started under a shield from cancellation; a read that never returns (seen now
# and then on a loaded machine) would otherwise hold the process's shutdown for ever. Whatever the
# receiver had taken and not acknowledged is delivered again (unacknowledged_lock_timeout).
STOP_WAIT_SECONDS = 5.0

Work = Callable[..., Awaitable[Any]]


@dataclass(frozen=True)
class Periodic:
    name: str
    every: timedelta
    run: Callable[[], Awaitable[None]]
    at_start: bool = True  # first run when the timers start; else one period later


_tasks: dict[str, tuple[Work, str]] = {}
_periodic: dict[str, Periodic] = {}


def task(name: str, *, queue: str = ROUTINE) -> Callable[[Work], Work]:
    """Register ``fn`` as background work called ``name`` on ``queue`` (urgent or routine)."""
    if queue not in QUEUES:
        raise ValueError(f"unknown queue {queue!r}")

    def register(fn: Work) -> Work:
        _tasks[name] = (fn, queue)
        if _runner is not None:
            _runner.register(name, fn, queue)
        return fn

    return register


def periodic(
    name: str, every: timedelta, run: Callable[[], Awaitable[None]], *, at_start: bool = True
) -> None:
    """Run ``run`` every ``every`` in the job runner (idempotent; at least once per period), the
    first time when the timers start, or one period later (``at_start=False``: work the process
    has just done itself while starting)."""
    if every < timedelta(seconds=1):
        raise ValueError("a periodic job runs at most once a second")
    _periodic[name] = Periodic(name, every, run, at_start)


def periodic_jobs() -> list[Periodic]:
    return list(_periodic.values())


class Runner:
    """The brokers of one process and, where this process runs them, the timers."""

    def __init__(self, redis_url: str | None, *, consume: bool, timers: bool = True) -> None:
        self.redis_url = redis_url
        self.consume = consume
        self.timers = timers
        self.brokers: dict[str, AsyncBroker] = {}
        for queue in QUEUES:
            if redis_url:
                from taskiq_redis import RedisStreamBroker

                self.brokers[queue] = RedisStreamBroker(
                    redis_url,
                    queue_name=f"machi:jobs:{queue}",
                    consumer_group_name="machi",
                    consumer_id="0",  # a new group also takes what was queued before it existed
                    unacknowledged_lock_timeout=600,
                )
            else:
                self.brokers[queue] = InMemoryBroker(max_async_tasks=64, propagate_exceptions=False)
        self._background: list[asyncio.Task[None]] = []
        for name, (fn, queue) in _tasks.items():
            self.register(name, fn, queue)

    def register(self, name: str, fn: Work, queue: str) -> None:
        self.brokers[queue].register_task(fn, task_name=name)

    async def start(self) -> None:
        for broker in self.brokers.values():
            await broker.startup()
        if not self.consume:
            return
        if self.redis_url:
            for queue, broker in self.brokers.items():
                workers = 64 if queue == URGENT else 16
                self._background.append(
                    asyncio.create_task(run_receiver_task(broker, max_async_tasks=workers))
                )
        if self.timers:
            for job in _periodic.values():
                self._background.append(asyncio.create_task(_every(job)))

    async def stop(self) -> None:
        for background in self._background:
            background.cancel()
        if self._background:
            done, pending = await asyncio.wait(self._background, timeout=STOP_WAIT_SECONDS)
            for background in done:
                if not background.cancelled() and background.exception() is not None:
                    log.warning("a job receiver ended with %r", background.exception())
            if pending:
                log.warning("%d job receivers had not stopped %s s after being cancelled; "
                            "going on without them", len(pending), STOP_WAIT_SECONDS)  # fmt: skip
        self._background.clear()
        for broker in self.brokers.values():
            if isinstance(broker, InMemoryBroker):
                await broker.wait_all()
            await broker.shutdown()

    async def enqueue(self, name: str, **kwargs: Any) -> None:
        if name not in _tasks:
            raise KeyError(f"no job called {name!r}")
        queue = _tasks[name][1]
        found = self.brokers[queue].find_task(name)
        assert found is not None
        await found.kiq(**kwargs)

    async def drain(self) -> None:
        """Wait for in-process work to finish (tests, shutdown)."""
        for broker in self.brokers.values():
            if isinstance(broker, InMemoryBroker):
                while broker._running_tasks:
                    await broker.wait_all()


async def _every(job: Periodic) -> None:
    seconds = job.every.total_seconds()
    if not job.at_start:
        await asyncio.sleep(seconds)
    while True:
        try:
            await job.run()
        except Exception:  # one failed run must not stop the timer
            log.exception("periodic job %s failed", job.name)
        await asyncio.sleep(seconds)


_runner: Runner | None = None


async def start(redis_url: str | None, *, consume: bool, timers: bool = True) -> Runner:
    """Start this process's runner: ``consume`` runs tasks (and, with ``timers``, periodic jobs)."""
    global _runner
    if _runner is not None:
        await _runner.stop()
    _runner = Runner(redis_url, consume=consume, timers=timers)
    await _runner.start()
    return _runner


async def stop() -> None:
    global _runner
    if _runner is not None:
        await _runner.stop()
        _runner = None


def runner() -> Runner:
    if _runner is None:
        raise RuntimeError("the job runner has not been started")
    return _runner


async def enqueue(name: str, **kwargs: Any) -> None:
    """Queue the task ``name`` with ``kwargs`` (JSON-serialisable values)."""
    await runner().enqueue(name, **kwargs)


async def drain() -> None:
    if _runner is not None:
        await _runner.drain()
