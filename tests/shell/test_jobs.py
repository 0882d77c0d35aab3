"""Jobs run in process by default and through Redis streams with a worker when configured."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
import uuid
from datetime import timedelta
from pathlib import Path

import pytest
import redis.asyncio as aioredis

from shell import jobs
from tests.conftest import REDIS_URL

done: list[str] = []


@jobs.task("tests.remember")
async def remember(value: str) -> None:
    done.append(value)


@jobs.task("tests.remember_urgently", queue=jobs.URGENT)
async def remember_urgently(value: str) -> None:
    done.append(f"urgent:{value}")


async def _until(predicate, seconds: float = 10.0) -> None:
    for _ in range(int(seconds / 0.05)):
        if predicate():
            return
        await asyncio.sleep(0.05)
    raise AssertionError("the job did not run in time")


async def test_in_process_jobs_run_when_enqueued():
    value = uuid.uuid4().hex
    await jobs.start(None, consume=True, timers=False)
    try:
        await jobs.enqueue("tests.remember", value=value)
        await jobs.enqueue("tests.remember_urgently", value=value)
        await jobs.drain()
        assert value in done
        assert f"urgent:{value}" in done
    finally:
        await jobs.stop()


async def test_an_unknown_job_or_queue_is_refused():
    await jobs.start(None, consume=True, timers=False)
    try:
        with pytest.raises(KeyError):
            await jobs.enqueue("tests.nothing")
    finally:
        await jobs.stop()
    with pytest.raises(ValueError):
        jobs.task("tests.x", queue="someday")


async def test_a_periodic_job_runs_at_start_unless_the_process_has_just_done_that_work(
    monkeypatch,
):
    monkeypatch.setattr(jobs, "_periodic", {})  # these two jobs alone
    ran: list[str] = []

    async def now() -> None:
        ran.append("now")

    async def later() -> None:
        ran.append("later")

    jobs.periodic("tests.now", every=timedelta(hours=1), run=now)
    jobs.periodic("tests.later", every=timedelta(hours=1), run=later, at_start=False)
    await jobs.start(None, consume=True)
    try:
        await _until(lambda: "now" in ran)
        await asyncio.sleep(0.1)
        assert ran == ["now"]  # the other waits its hour
    finally:
        await jobs.stop()


@pytest.fixture(name="redis_url")
async def fx_redis_url():
    if not REDIS_URL:
        pytest.skip("Redis not configured: set MACHI_TEST_REDIS_URL to run the Redis job tests")
    client = aioredis.from_url(REDIS_URL)
    await client.delete("machi:jobs:urgent", "machi:jobs:routine")
    await client.aclose()
    return REDIS_URL


async def test_with_redis_a_web_process_enqueues_and_a_worker_runs_it(redis_url):
    value = uuid.uuid4().hex
    web = jobs.Runner(redis_url, consume=False)
    await web.start()
    try:
        await web.enqueue("tests.remember", value=value)
        await web.enqueue("tests.remember_urgently", value=value)
        await asyncio.sleep(0.2)
        assert value not in done  # the web process only queued it
        await jobs.start(redis_url, consume=True, timers=False)  # the worker
        await _until(lambda: value in done and f"urgent:{value}" in done)
    finally:
        await jobs.stop()
        await web.stop()


async def test_with_redis_work_queued_while_no_worker_ran_is_kept(redis_url):
    value = uuid.uuid4().hex
    web = jobs.Runner(redis_url, consume=False)
    await web.start()
    await web.enqueue("tests.remember", value=value)
    await web.stop()
    await jobs.start(redis_url, consume=True, timers=False)
    try:
        await _until(lambda: value in done)
        assert done.count(value) == 1
    finally:
        await jobs.stop()


# `machi worker` whose closing never ends (the push sender's close waits for ever), with the bound
# from the stop signal to the process's end shortened to a second.
_STUCK_WORKER = """
import asyncio
from shell import cli
from shell.notifications import runtime

async def never() -> None:
    await asyncio.Event().wait()

runtime.close = never
cli.WORKER_EXIT_SECONDS = 1
cli.main(["worker"])
"""


def test_a_worker_whose_closing_hangs_still_ends_soon_after_the_stop_signal(
    redis_url: str, tmp_path: Path
) -> None:
    """systemd and Kubernetes stop a worker with SIGTERM and wait a bounded time: the worker
    ends within its bound even when part of closing never returns (its unacknowledged work is
    delivered again, as after a crash)."""
    env = {**os.environ, "MACHI_DATA_DIR": str(tmp_path), "MACHI_DEMO": "0",
           "MACHI_DATABASE_URL": "", "MACHI_REDIS_URL": redis_url}  # fmt: skip
    log = tmp_path / "worker.log"
    with log.open("wb") as out:
        worker = subprocess.Popen(
            [sys.executable, "-c", _STUCK_WORKER], env=env, stdout=out, stderr=subprocess.STDOUT
        )
    try:
        deadline = time.monotonic() + 120
        while b"consuming" not in log.read_bytes():
            assert worker.poll() is None, log.read_text(errors="replace")
            assert time.monotonic() < deadline, "the worker did not start"
            time.sleep(0.05)
        stopped = time.monotonic()
        worker.terminate()
        code = worker.wait(timeout=15)
        took = time.monotonic() - stopped
    finally:
        if worker.poll() is None:
            worker.kill()
            worker.wait()
    assert code == 1
    assert "not stopped 1 s after the signal" in log.read_text(errors="replace")
    assert took < 10
