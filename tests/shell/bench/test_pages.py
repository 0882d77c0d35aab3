"""`machi bench pages` serves the three pages and the bare page and prints its summary."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from shell.settings import ROOT


def test_bench_pages_prints_its_summary(tmp_path):
    env = {**os.environ, "MACHI_DATA_DIR": str(tmp_path), "MACHI_DATABASE_URL": ""}
    done = subprocess.run(
        [sys.executable, "-m", "shell.cli", "bench", "pages", "--workers", "1",
         "--seconds", "0.6", "--warm-up", "0", "--concurrency", "2", "--clients", "2",
         "--rounds", "2"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=180,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    records = [json.loads(line) for line in done.stdout.splitlines()]
    assert [r["page"] for r in records[:-1]] == ["home", "miniapp", "grid", "bare"]
    summary = records[-1]
    assert summary["summary"] is True
    assert summary["failures"] == 0
    assert set(summary["pages"]) == {"home", "miniapp", "grid"}
    assert summary["per_second"] == min(p["per_second"] for p in summary["pages"].values())
    assert summary["ratio"] == round(summary["per_second"] / summary["baseline_per_second"], 3)
    assert summary["rounds"] == 2
    # every page was measured, and answered
    assert all(r["requests"] > 0 for r in records[:-1])


async def test_a_turn_adds_only_its_own_answers():
    """Load clients in other processes answer for their turn alone: a page measured in turns
    already holds the answers of its earlier turns, which must not come back again."""
    import asyncio

    from shell.bench.pages import Target, client_pool, hammer, request_bytes

    answered = 0

    async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        nonlocal answered
        try:
            while await reader.readuntil(b"\r\n\r\n"):
                answered += 1
                writer.write(b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok")
        except (asyncio.IncompleteReadError, ConnectionError):
            writer.close()

    server = await asyncio.start_server(serve, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    page = Target("page", "a page", port, request_bytes(f"127.0.0.1:{port}", "/"))
    earlier_turns = 1_000_000
    page.latencies = [0.001] * earlier_turns
    with client_pool(2) as pool:
        counted = await hammer(page, 1.0, 4, 0.0, 2, pool)  # long enough on a busy machine
    server.close()
    assert counted == 1.0
    assert 0 < len(page.latencies) - earlier_turns <= answered


async def test_the_rounds_measure_the_machine_beside_the_pages():
    """With as many processes as workers, each round also runs pure Python work in one process
    and in that many at once: the run's ``cpu_scaling``, what the machine itself gave."""
    import asyncio

    from shell.bench.pages import Target, client_pool, in_rounds, request_bytes

    async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while await reader.readuntil(b"\r\n\r\n"):
                writer.write(b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok")
        except (asyncio.IncompleteReadError, ConnectionError):
            writer.close()

    server = await asyncio.start_server(serve, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]

    def page() -> Target:
        return Target("page", "a page", port, request_bytes(f"127.0.0.1:{port}", "/"))

    with client_pool(2) as pool:
        results, cpu_scaling = await in_rounds([page()], 0.4, 2, 2, 0.0, 2, pool, parallel=2)
        _, alone = await in_rounds([page()], 0.4, 2, 2, 0.0, 2, pool, parallel=1)
    server.close()
    assert results[0]["requests"] > 0
    assert isinstance(cpu_scaling, float)
    assert cpu_scaling > 0
    assert alone is None  # one worker: nothing to scale
