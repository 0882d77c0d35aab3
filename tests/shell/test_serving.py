"""`machi serve --workers N` spreads connections opened all at once over its workers: a proxy's
pool of kept-alive connections, or a crowd arriving together, does not land on one worker while
the other idles."""

from __future__ import annotations

import asyncio
import collections
import gc
import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from shell.bench.pages import free_port, read_response, request_bytes, running
from shell.serving import REUSE_PORT, YOUNGEST_EVERY

CONNECTIONS = 32
linux_only = pytest.mark.skipif(not REUSE_PORT, reason="SO_REUSEPORT is Linux's")


def _command(port: int, workers: int) -> list[str]:
    return [sys.executable, "-m", "shell.serving", "tests.helpers.pid_app:create",
            "--host", "127.0.0.1", "--port", str(port), "--workers", str(workers)]  # fmt: skip


@pytest.fixture
def two_workers(tmp_path: Path) -> Iterator[int]:
    port, log = free_port(), tmp_path / "serve.log"
    with running(_command(port, 2), dict(os.environ), port, log, health="/"):
        # the first worker answers; the second listens once its startup is complete too
        deadline = time.monotonic() + 60
        while log.read_text().count("Application startup complete") < 2:
            assert time.monotonic() < deadline, log.read_text()
            time.sleep(0.1)
        yield port


async def _workers_of_connections_opened_at_once(port: int) -> collections.Counter[str]:
    opened = await asyncio.gather(
        *[asyncio.open_connection("127.0.0.1", port) for _ in range(CONNECTIONS)]
    )
    request = request_bytes(f"127.0.0.1:{port}", "/")
    try:
        for _, writer in opened:
            writer.write(request)
        answers = [await read_response(reader) for reader, _ in opened]
    finally:
        for _, writer in opened:
            writer.close()
    assert {status for status, _, _ in answers} == {200}
    return collections.Counter(body.decode() for _, body, _ in answers)


@linux_only
def test_connections_opened_at_once_reach_both_workers(two_workers: int) -> None:
    for _ in range(3):
        served = asyncio.run(_workers_of_connections_opened_at_once(two_workers))
        assert len(served) == 2, served
        # spread by the kernel's hash of each connection: 26 of 32 or more on one worker comes
        # about once in ten thousand tries; one shared socket gave 29 to 3, or all 32 to one
        assert max(served.values()) <= 26, served


@linux_only
def test_a_port_already_taken_stops_the_server_with_a_message() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        done = subprocess.run(_command(port, 2), capture_output=True, text=True, timeout=60)
    assert done.returncode != 0
    assert "Address already in use" in done.stderr, done.stderr


# What a `machi serve` worker does with the factory it is given: make the app, then run its
# lifespan's startup; the collector's state is printed before and after.
_WORKER_START = """
import asyncio, gc, json
from shell.cli import migrate
from shell.app import create_served

async def start():
    app = create_served()
    made = (gc.get_freeze_count(), gc.get_threshold()[0])
    events = asyncio.Queue()
    events.put_nowait({"type": "lifespan.startup"})
    answers = asyncio.Queue()
    scope = {"type": "lifespan", "asgi": {"version": "3.0"}, "state": {}}
    life = asyncio.create_task(app(scope, events.get, answers.put))
    answer = await answers.get()
    started = (gc.get_freeze_count(), gc.get_threshold()[0])
    events.put_nowait({"type": "lifespan.shutdown"})
    await life
    print(json.dumps({"answer": answer["type"], "made": made, "started": started}))

asyncio.run(migrate())
asyncio.run(start())
"""


def test_a_served_worker_tunes_its_collector_once_the_app_has_started(tmp_path: Path) -> None:
    """What a worker holds once started lives as long as it: frozen out of the collector's
    walks, and the youngest generation collected less often. Only then: the test process and
    anything else that makes an app keep the collector as it is."""
    env = {**os.environ, "MACHI_DATA_DIR": str(tmp_path), "MACHI_DEMO": "0",
           "MACHI_DATABASE_URL": "", "MACHI_REDIS_URL": ""}  # fmt: skip
    done = subprocess.run([sys.executable, "-c", _WORKER_START], capture_output=True, text=True,
                          env=env, timeout=120)  # fmt: skip
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout.strip().splitlines()[-1])
    assert report["answer"] == "lifespan.startup.complete"
    assert report["made"] == [0, gc.get_threshold()[0]]
    frozen, youngest = report["started"]
    assert frozen > 10_000  # the modules, the app, its routes
    assert youngest == YOUNGEST_EVERY
