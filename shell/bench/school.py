"""The school liaison app: messages delivered to open conversations per second, and the time from
send to delivery to the listening client, against a bare channel publish in the same run.

In-process, on a fresh SQLite database: ``--conversations`` guardians each have a conversation
with a class and a listener waiting in it, exactly as an open conversation page waits (the app's
``deliver``, behind ``/conversations/{id}/wait``: it reads the database, then sleeps on the
conversation's topic; one watcher per process also looks for new messages every 2 s).
Messages are sent with the app's ``send_message`` (stored in a transaction, then published)
round-robin to the conversations, at most one in flight per
conversation; a message's latency runs from the start of its send to the moment its listener has
read it from the database. The baseline is a bare publish on the app's in-process hub to waiting
listeners, driven the same way, with no database.
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import click

from shell.bench.stats import emit, figures
from shell.settings import ROOT


async def _drive(
    conversations: int,
    messages: int,
    send: Callable[[int, int], Awaitable[None]],
    inflight: dict[int, float],
    latencies: list[float],
) -> float:
    """Send ``messages`` round-robin, one in flight per conversation; the seconds until every
    message was delivered (or 30 s passed)."""
    started = time.perf_counter()
    for n in range(messages):
        target = n % conversations
        while target in inflight:  # noqa: ASYNC110 (the driver yields to listeners)
            await asyncio.sleep(0)
        inflight[target] = time.perf_counter()
        await send(target, n)
        await asyncio.sleep(0)
    deadline = time.perf_counter() + 30
    while len(latencies) < messages and time.perf_counter() < deadline:  # noqa: ASYNC110 (the driver yields to listeners)
        await asyncio.sleep(0.001)
    return time.perf_counter() - started


async def _stop(tasks: list[asyncio.Task[None]]) -> None:
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)


async def _baseline(live: Any, conversations: int, messages: int) -> tuple[list[float], float]:
    hub = live.Hub()
    inflight: dict[int, float] = {}
    latencies: list[float] = []

    async def listener(target: int) -> None:
        while True:
            event = hub.subscribe(f"t:{target}")
            if await hub.wait(f"t:{target}", 30.0, event) and target in inflight:
                latencies.append(time.perf_counter() - inflight.pop(target))

    async def send(target: int, n: int) -> None:
        await hub.publish(f"t:{target}")

    tasks = [asyncio.create_task(listener(i)) for i in range(conversations)]
    while hub.listeners() < conversations:  # noqa: ASYNC110 (the driver yields to listeners)
        await asyncio.sleep(0)
    elapsed = await _drive(conversations, messages, send, inflight, latencies)
    await _stop(tasks)
    return latencies, elapsed


async def _run(conversations: int, messages: int) -> None:
    from machi_sdk.app import load_miniapp

    from shell import db, piccolo_conf

    if "school" not in piccolo_conf.APP_REGISTRY.app_configs:
        raise click.ClickException("the school mini-app is not hosted: add it to MACHI_MINIAPPS")
    miniapp = load_miniapp(ROOT / "miniapps" / "school")
    package = miniapp.route_handlers[0].fn.__module__.rsplit(".", 1)[0]
    actions = importlib.import_module(f"{package}.actions")
    live = importlib.import_module(f"{package}.live")
    delivery = importlib.import_module(f"{package}.delivery")

    base_lat, base_time = await _baseline(live, conversations, messages)

    with tempfile.TemporaryDirectory() as folder:
        engine = db.engine_for_url(f"sqlite:///{Path(folder) / 'bench.sqlite3'}")
        db.bind(engine)
        with contextlib.redirect_stdout(sys.stderr):  # Piccolo reports progress on stdout
            await db.migrate()
        class_id, _ = await actions.create_class("ベンチ小学校", "1年1組", grade=1)
        conv_ids = [
            await actions.conversation(f"guardian-{n}", class_id, f"child {n}")
            for n in range(conversations)
        ]
        inflight: dict[int, float] = {}
        latencies: list[float] = []
        duplicates = 0

        async def listener(target: int) -> None:
            after = 0
            while True:
                rows = await delivery.deliver(conv_ids[target], after, 30.0)
                seen = time.perf_counter()
                if rows and target in inflight:
                    latencies.append(seen - inflight.pop(target))
                after = max([after, *(r["id"] for r in rows)])

        async def send(target: int, n: int) -> None:
            nonlocal duplicates
            _, new = await actions.send_message(
                conv_ids[target], from_staff=True, author="teacher", body=f"お知らせ {n}",
                lang="ja", nonce=f"bench-{n}",
            )  # fmt: skip
            duplicates += 0 if new else 1

        tasks = [asyncio.create_task(listener(i)) for i in range(conversations)]
        while live.HUB.listeners() < conversations:  # every conversation open and waiting  # noqa: ASYNC110 (the driver yields to listeners)
            await asyncio.sleep(0.01)
        elapsed = await _drive(conversations, messages, send, inflight, latencies)
        await _stop(tasks)
        await delivery.stop_watching()
        await db.stop(engine)

    baseline = figures(base_lat, base_time)
    emit({"name": "school", "what": "bare channel publish to a waiting listener", **baseline})
    result = figures(latencies if len(latencies) > 1 else [*latencies, 0.0, 0.0], elapsed)
    emit({"name": "school", "what": "message stored, published and read by its open conversation",
          **result})  # fmt: skip
    emit({"name": "school", "summary": True, **result,
          "baseline_per_second": baseline["per_second"],
          "ratio": round(result["per_second"] / baseline["per_second"], 4),
          "conversations": conversations, "messages": messages,
          "failures": messages - len(latencies) + duplicates,
          "goal_p99_ms": 100, "goal_met": result["p99_ms"] < 100})  # fmt: skip


@click.command("school")
@click.option("--conversations", default=500, show_default=True, help="Open conversations.")
@click.option("--messages", default=2000, show_default=True, help="Messages to send.")
def school(conversations: int, messages: int) -> None:
    """Messages delivered to open conversations per second and p99 send-to-delivery, vs a bare
    channel publish."""
    if conversations < 1 or messages < 2:
        raise click.BadParameter("at least one conversation and two messages")
    asyncio.run(_run(conversations, messages))
