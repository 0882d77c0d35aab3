"""Fanning one notification out to N devices through a real push service.

The local push service runs in its own process (so the sender and the service share the machine's
two cores as the issue describes), holds N subscriptions, checks every VAPID token and decrypts
every message. The sender is the shell's own path: the inbox copies, then the push job with one
set of kept-alive connections, VAPID headers cached per push-service origin, and RFC 8291
encryption per message with a fresh ephemeral key and salt, by the encryption helper processes
MACHI_PUSH_PROCESSES gives the job runner (one on two cores). ``encrypt_per_second`` is bare
encryption by the same code on one core, measured in the same run (the median of samples taken
before and after the fan-out; pywebpush's rate is printed beside it), of the same work a message
of the broadcast needs: one for each of the broadcast's subscriptions in turn, its keys read from
the subscription. (The rate for one subscriber over and over, its key parsed once, is printed too,
with the ratio against it: a broadcast cannot reuse a parsed key.) The CPU time per message
of the sender (runner and helpers) and of the service are printed too, since on a shared machine
they vary less than the seconds.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import os
import secrets
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import click
import httpx

from shell.bench.stats import emit
from shell.settings import ROOT, Settings, default_push_processes

TITLE = "ベンチマーク：避難所開設のお知らせ"
SERVICE = "shell.notifications.localserver"
BARE_SUBSCRIPTIONS = 2000  # the bare rate encrypts for this many of the broadcast's subscriptions


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _bare_encryption(
    subscriptions: list[dict], samples: int = 3, seconds: float = 0.5
) -> list[tuple[float, float, float]]:
    """Messages a second of bare RFC 8291 encryption on one core, ``samples`` times, each message
    for the next of ``subscriptions`` in turn, its keys taken from the subscription as a broadcast
    must: the sender's own code (``shell.notifications.ece``, what the goal's ratio is taken
    against), pywebpush's, and the sender's own for one subscriber over and over, its key parsed
    once (which no broadcast to distinct residents can do)."""
    from pywebpush import WebPusher

    from shell.notifications import ece

    payload = b'{"title": "x", "body": "' + b"y" * 200 + b'"}'
    keys = [(sub["keys"]["p256dh"], sub["keys"]["auth"]) for sub in subscriptions]
    kept = ece.SubscriberKeys.from_subscription(*keys[0])
    turn = 0

    def ours() -> None:
        nonlocal turn
        turn += 1
        ece.encrypt(payload, ece.SubscriberKeys.from_subscription(*keys[turn % len(keys)]))

    def theirs() -> None:
        nonlocal turn
        turn += 1
        WebPusher(subscriptions[turn % len(keys)]).encode(payload, "aes128gcm")

    measured = []
    for _ in range(samples):
        rates = []
        for encrypt in (ours, theirs, lambda: ece.encrypt(payload, kept)):
            count, start = 0, time.perf_counter()
            while time.perf_counter() - start < seconds:
                encrypt()
                count += 1
            rates.append(count / (time.perf_counter() - start))
        measured.append((rates[0], rates[1], rates[2]))
    return measured


def _env_push_processes() -> int:
    return int(os.environ.get("MACHI_PUSH_PROCESSES", default_push_processes()))


def _cpu_seconds(pid: int) -> float:
    """User and system CPU time of a process so far (Linux ``/proc``; 0 elsewhere)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def _accounts(n: int) -> list[int]:
    from piccolo.querystring import QueryString

    from shell.city.tables import District
    from shell.identity.tables import Account

    bench_town = District(code="bench", name="ベンチ町", name_kana="べんち")
    district = await District.insert(bench_town).returning(District.id)
    district_id = district[0]["id"]
    engine = Account._meta.db
    born = dt.date(1960, 1, 1)
    for start in range(0, n, 500):
        rows = range(start, min(n, start + 500))
        values = ", ".join("({}, {}, {}, {}, 'ja', {}, 0, {})" for _ in rows)
        args: list[object] = []
        for i in rows:
            args += [
                f"住民{i}",
                f"じゅうみん{i}",
                born,
                district_id,
                f"bench-{i}",
                dt.datetime.now(dt.UTC),
            ]
        await engine.run_querystring(QueryString(
            "INSERT INTO identity_account (name, name_kana, birth_date, district, language,"  # noqa: S608  (only {} placeholders)
            f" webauthn_user_id, session_epoch, created_at) VALUES {values}", *args))  # fmt: skip
    return [row["id"] for row in await Account.select(Account.id)]


async def _run(subscribers: int) -> None:
    from shell import db, jobs, serving
    from shell.notifications import api, runtime
    from shell.notifications.tables import InboxItem, PushSubscription

    port = _free_port()
    push_url = f"http://127.0.0.1:{port}"
    env = {**os.environ, "MACHI_LOCAL_PUSH_URL": push_url}
    command = [sys.executable, "-m", SERVICE]
    # A separate process, started once: blocking for the moment it takes is fine here.
    service = subprocess.Popen(command, cwd=ROOT, env=env)  # noqa: S603, ASYNC220
    try:
        async with httpx.AsyncClient(base_url=push_url, timeout=600) as client:
            for _ in range(200):
                try:
                    await client.get("/stats")
                    break
                except httpx.TransportError:
                    await asyncio.sleep(0.05)
            devices = (await client.post(f"/subscriptions/batch?count={subscribers}")).json()
            # The bare rate is sampled before the fan-out and again after it: a shared machine's
            # speed drifts over a run, and one sample at one end would carry that drift into the
            # ratio.
            bare = _bare_encryption(devices[:BARE_SUBSCRIPTIONS])
            with tempfile.TemporaryDirectory() as folder:
                settings = Settings(
                    public_url="http://localhost:8000",
                    data_dir=Path(folder),
                    secret_key=secrets.token_urlsafe(16),
                    demo=False,
                    local_push_url=push_url,
                    # what Settings.from_env gives the job runner
                    push_processes=_env_push_processes(),
                )
                engine = db.engine_for_url(f"sqlite:///{settings.sqlite_path}")
                db.bind(engine)
                with contextlib.redirect_stdout(sys.stderr):  # Piccolo reports on stdout
                    await db.migrate()
                await db.start(engine)
                runtime.configure(settings)
                await jobs.start(None, consume=True, timers=False)
                try:
                    ids = await _accounts(subscribers)
                    rows = [
                        PushSubscription(
                            account=account_id,
                            endpoint=device["endpoint"],
                            p256dh=device["keys"]["p256dh"],
                            auth=device["keys"]["auth"],
                        )
                        for account_id, device in zip(ids, devices, strict=True)
                    ]
                    for start in range(0, subscribers, 1000):
                        await PushSubscription.insert(*rows[start : start + 1000])
                    # the VAPID key exists and the encryption helpers run before the clock starts
                    began = time.perf_counter()
                    sender = await runtime.sender()  # with its encryption helpers
                    helpers_start = time.perf_counter() - began
                    serving.settle()  # as `machi worker` and `machi serve` are once started
                    helpers = sender.helper_pids()
                    began = time.perf_counter()
                    wall_start = time.time()
                    cpu_start = (
                        time.process_time(),
                        sum(_cpu_seconds(pid) for pid in helpers),
                        _cpu_seconds(service.pid),
                    )
                    await api.notify_accounts(
                        ids,
                        title=TITLE,
                        body="武雄市役所に避難所を開設しました。",
                        url="/inbox",
                        topic="disaster",
                        source="city",
                        urgency="high",
                    )
                    await jobs.drain()
                    seconds = time.perf_counter() - began
                    sender_cpu = time.process_time() - cpu_start[0]
                    helpers_cpu = sum(_cpu_seconds(pid) for pid in helpers) - cpu_start[1]
                    service_cpu = _cpu_seconds(service.pid) - cpu_start[2]
                    sent = await InboxItem.count().where(InboxItem.push_state == "sent")
                    failed = await InboxItem.count().where(InboxItem.push_state != "sent")
                finally:
                    await jobs.stop()
                    await runtime.close()
                    await db.stop(engine)
            query = {"title": TITLE, "since": wall_start}
            stats = (await client.get("/stats", params=query)).json()
    finally:
        service.terminate()
        service.wait(timeout=10)
    bare += _bare_encryption(devices[:BARE_SUBSCRIPTIONS])
    encrypt = statistics.median(ours for ours, _, _ in bare)
    pywebpush_rate = statistics.median(theirs for _, theirs, _ in bare)
    kept_key = statistics.median(kept for _, _, kept in bare)
    per_second = stats["matching"] / seconds if seconds else 0.0
    emit(
        {
            "name": "push",
            "stage": "encrypt",
            "encrypt_per_second": round(encrypt, 1),
            "pywebpush_encrypt_per_second": round(pywebpush_rate, 1),
            # the samples the median is of, before and after the fan-out
            "encrypt_per_second_samples": [round(ours) for ours, _, _ in bare],
            "encrypt_kept_key_per_second": round(kept_key, 1),
        }
    )
    emit(
        {
            "name": "push",
            "summary": True,
            "subscribers": subscribers,
            "delivered": stats["matching"],
            "sent": sent,
            "failed": failed,
            "refused_by_service": stats["refused"],
            "seconds": round(seconds, 2),
            # how long after the broadcast began each resident's device had it
            "p50_ms": round(stats.get("p50_ms", 0.0), 1),
            "p95_ms": round(stats.get("p95_ms", 0.0), 1),
            "p99_ms": round(stats.get("p99_ms", 0.0), 1),
            "per_second": round(per_second, 1),
            # CPU time spent during the fan-out, less sensitive than seconds to a busy machine
            # the job runner's process and its encryption helpers (push_processes of them)
            "sender_cpu_ms_per_message": round((sender_cpu + helpers_cpu) * 1000 / subscribers, 3),
            "helpers_cpu_ms_per_message": round(helpers_cpu * 1000 / subscribers, 3),
            "push_processes": len(helpers),
            "helpers_start_seconds": round(helpers_start, 2),
            "service_cpu_ms_per_message": round(service_cpu * 1000 / subscribers, 3),
            "encrypt_per_second": round(encrypt, 1),
            "pywebpush_encrypt_per_second": round(pywebpush_rate, 1),
            "encrypt_per_second_samples": [round(ours) for ours, _, _ in bare],
            "encrypt_kept_key_per_second": round(kept_key, 1),
            "baseline_per_second": round(encrypt, 1),
            "ratio": round(per_second / encrypt, 3),
            # against one subscriber's key parsed once (the measure before stop 29)
            "kept_key_ratio": round(per_second / kept_key, 3),
        }
    )


@click.command("push")
@click.option("--subscribers", type=int, default=2000, show_default=True)
def push(subscribers: int) -> None:
    """Fan one notification out to N subscriptions on a local push service that decrypts each."""
    if subscribers < 1:
        raise click.BadParameter("at least one subscriber")
    import uvloop

    # The loop `machi serve` and `machi worker` run on (uvicorn picks uvloop when installed).
    uvloop.run(_run(subscribers))
