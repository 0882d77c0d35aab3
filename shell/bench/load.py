"""A load test on loopback: thousands of residents open the app, read the inbox and pay by QR,
against a real ``machi serve --workers N`` on PostgreSQL (or SQLite), bounded in time.

Each simulated resident makes ``--visits`` visits at random moments of the run: the home page,
the inbox, the payment page of a shop's QR (which hands out the payment's idempotency key) and the
payment itself, a short think time apart, on one keep-alive connection with its own cookies. The
residents and their sessions are written to the database directly (``shell.bench.pages``): 5,000
passkey ceremonies would measure the passkey library, not the app; their wallets are topped up
through the wallet's own actions. Afterwards the ledger is checked (``machi wallet verify``) and
every payment answered 200 must be in it exactly once.

With ``--database postgresql://…/postgres`` a fresh database is created on that server for the
run and dropped afterwards; without it, a new SQLite file.
"""

from __future__ import annotations

import asyncio
import random
import re
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode, urlsplit, urlunsplit

import click

from shell.bench.pages import (
    CSRF_COOKIE,
    SESSION_COOKIE,
    database,
    free_port,
    make_residents,
    read_message,
    running,
    serve_command,
    shell_env,
)
from shell.bench.stats import emit, figures

TOP_UP = 100_000
SHOPS = 50  # payments go to shops of the town, not all to one (each shop's balance is one row)
KINDS = ("home", "inbox", "pay_page", "pay")
KEY = re.compile(r'name="key" value="([^"]+)"')


@dataclass
class Tally:
    latencies: dict[str, list[float]] = field(default_factory=lambda: {k: [] for k in KINDS})
    errors: dict[str, int] = field(default_factory=dict)
    examples: list[str] = field(default_factory=list)
    paid_keys: list[str] = field(default_factory=list)

    def error(self, what: str, detail: str) -> None:
        self.errors[what] = self.errors.get(what, 0) + 1
        if len(self.examples) < 5:
            self.examples.append(f"{what}: {detail[:300]}")


class Visitor:
    """One resident's keep-alive connection and cookies."""

    def __init__(self, port: int, session: str) -> None:
        self.port = port
        self.cookies = {SESSION_COOKIE: session}
        self.stream: tuple[asyncio.StreamReader, asyncio.StreamWriter] | None = None

    async def close(self) -> None:
        if self.stream is not None:
            self.stream[1].close()
            self.stream = None

    async def ask(
        self, method: str, path: str, body: bytes = b"", extra: dict[str, str] | None = None
    ) -> tuple[int, str, float]:
        headers = {
            "Host": f"localhost:{self.port}",
            "Accept": "text/html",
            "Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items()),
            **(extra or {}),
        }
        if method == "POST":
            headers["Content-Length"] = str(len(body))
            headers["x-csrftoken"] = self.cookies.get(CSRF_COOKIE, "")
        head = [f"{method} {path} HTTP/1.1", *(f"{k}: {v}" for k, v in headers.items())]
        request = ("\r\n".join(head) + "\r\n\r\n").encode() + body
        if self.stream is None:
            self.stream = await asyncio.open_connection("127.0.0.1", self.port)
        reader, writer = self.stream
        began = time.perf_counter()
        writer.write(request)
        status, pairs, data, alive = await read_message(reader)
        took = time.perf_counter() - began
        for name, value in pairs:
            if name == "set-cookie":
                cookie, _, _ = value.partition(";")
                key, _, content = cookie.partition("=")
                if content and content != "null":
                    self.cookies[key.strip()] = content
        if not alive:
            await self.close()
        return status, data.decode(errors="replace"), took


async def _visit(
    tally: Tally, port: int, session: str, qr_text: str, think: float, begin_in: float
) -> None:
    await asyncio.sleep(begin_in)
    visitor = Visitor(port, session)
    kind = "home"
    try:
        for kind, path in (("home", "/"), ("inbox", "/inbox")):
            status, text, took = await visitor.ask("GET", path)
            if status != 200:
                tally.error(kind, f"{status} {text}")
                return
            tally.latencies[kind].append(took)
            await asyncio.sleep(random.uniform(0, 2 * think))
        kind = "pay_page"
        status, text, took = await visitor.ask("GET", f"/wallet/pay?qr_text={quote(qr_text)}")
        found = KEY.search(text)
        if status != 200 or found is None:
            tally.error(kind, f"{status} {text}")
            return
        tally.latencies[kind].append(took)
        await asyncio.sleep(random.uniform(0, 2 * think))
        kind = "pay"
        form = urlencode(
            {"qr_text": qr_text, "amount": str(random.randint(100, 500)), "key": found[1]}
        )
        extra = {"Content-Type": "application/x-www-form-urlencoded"}
        status, text, took = await visitor.ask("POST", "/wallet/pay", form.encode(), extra)
        if status != 200:
            tally.error(kind, f"{status} {text}")
            return
        tally.latencies[kind].append(took)
        tally.paid_keys.append(found[1])
    except (OSError, asyncio.IncompleteReadError, ValueError) as exc:
        tally.error(kind, repr(exc))
    finally:
        await visitor.close()


async def _payments(shops: list[int]) -> int:
    from shell.wallet.tables import LedgerTransaction

    return await LedgerTransaction.count().where(
        LedgerTransaction.merchant.is_in(shops) & (LedgerTransaction.kind == "payment")
    )


async def _setup(
    url: str, residents: int, run: str
) -> tuple[list[dict[str, Any]], list[str], list[int], int]:
    from shell.wallet import actions
    from shell.wallet.merchant_routes import payload_of
    from shell.wallet.tables import Merchant

    async with database(url) as engine:
        made = await make_residents(residents, run)
        parallel = 8 if engine.engine_type == "postgres" else 1

        async def top_up(owner: int) -> None:
            row = await actions.start_top_up(owner, TOP_UP, key=f"load-{run}")
            await actions.credit_top_up(row["reference"], gateway_ref="load", succeeded=True)

        for start in range(0, len(made), parallel):
            await asyncio.gather(*[top_up(r["id"]) for r in made[start : start + parallel]])
        shops = []
        for number in range(SHOPS):
            shop = await actions.register_merchant(
                name=f"負荷商店 {number}", category="food", owner=made[number % len(made)]["id"],
                code=f"L{run[:6]}{number:03d}",
            )  # fmt: skip
            await actions.set_merchant_status(shop, "approved")
            shops.append(shop)
        rows = await Merchant.select().where(Merchant.id.is_in(shops))
        return made, [payload_of(row) for row in rows], shops, await _payments(shops)


async def _load(
    port: int,
    made: list[dict[str, Any]],
    qr_texts: list[str],
    seconds: float,
    visits: int,
    think: float,
) -> tuple[Tally, float]:
    tally = Tally()
    visit_length = 3 * think
    window = max(0.0, seconds - visit_length)
    plans = [
        (resident["session"], random.uniform(0, window)) for resident in made for _ in range(visits)
    ]
    started = time.perf_counter()
    await asyncio.gather(
        *[_visit(tally, port, session, random.choice(qr_texts), think, at) for session, at in plans]
    )
    return tally, time.perf_counter() - started


async def _check(url: str, shops: list[int], before: int, keys: list[str]) -> dict[str, int]:
    from shell.wallet import verify

    async with database(url):
        problems = await verify.problems()
        applied = await _payments(shops) - before
    return {
        "verify_problems": len(problems),
        "payments_answered": len(keys),
        "payments_in_ledger": applied,
        "duplicate_keys": len(keys) - len(set(keys)),
    }


def _postgres_database(admin_url: str) -> tuple[str, str]:
    name = f"machi_load_{uuid.uuid4().hex[:10]}"
    parts = urlsplit(admin_url)
    return name, urlunsplit(parts._replace(path=f"/{name}"))


async def _admin(admin_url: str, sql: str) -> None:
    import asyncpg

    connection = await asyncpg.connect(admin_url)
    try:
        await connection.execute(sql)
    finally:
        await connection.close()


def run(residents: int, seconds: float, workers: int, admin_url: str, visits: int,
        think: float, folder: Path) -> None:  # fmt: skip
    data_dir = folder / "data"
    data_dir.mkdir()
    created = ""
    url = ""
    if admin_url:
        created, url = _postgres_database(admin_url)
        asyncio.run(_admin(admin_url, f'CREATE DATABASE "{created}"'))
    try:
        port = free_port()
        env = shell_env(data_dir, port, url)
        database_url = url or f"sqlite:///{data_dir / 'machi.sqlite3'}"
        with running(serve_command(port, workers), env, port, folder / "serve.log"):
            prepared = time.perf_counter()
            run_id = uuid.uuid4().hex[:8]
            made, qr_texts, shops, before = asyncio.run(_setup(database_url, residents, run_id))
            setup_seconds = time.perf_counter() - prepared
            tally, elapsed = asyncio.run(_load(port, made, qr_texts, seconds, visits, think))
        checked = asyncio.run(_check(database_url, shops, before, tally.paid_keys))
    finally:
        if created:
            asyncio.run(_admin(admin_url, f'DROP DATABASE IF EXISTS "{created}" WITH (FORCE)'))
    every: list[float] = []
    for kind in KINDS:
        latencies = tally.latencies[kind]
        every += latencies
        if len(latencies) > 1:
            emit({"name": "load", "request": kind, **figures(latencies, elapsed),
                  "requests": len(latencies), "errors": tally.errors.get(kind, 0)})  # fmt: skip
    errors = sum(tally.errors.values())
    overall = figures(every, elapsed) if len(every) > 1 else {"per_second": 0.0, "p99_ms": 0.0}
    emit({
        "name": "load", "summary": True, **overall, "requests": len(every), "errors": errors,
        "error_examples": tally.examples, "residents": residents, "visits": residents * visits,
        "seconds": round(elapsed, 1), "setup_seconds": round(setup_seconds, 1),
        "workers": workers, "think_seconds": think,
        "database": "postgresql" if url else "sqlite", **checked,
        "goal_met": errors == 0 and overall["p99_ms"] < 300
        and checked["verify_problems"] == 0
        and checked["payments_in_ledger"] == checked["payments_answered"],
    })  # fmt: skip


@click.command("load")
@click.option("--residents", default=5000, show_default=True, help="Simulated residents.")
@click.option("--seconds", default=60.0, show_default=True, help="How long the load lasts.")
@click.option("--workers", default=2, show_default=True, help="`machi serve` worker processes.")
@click.option("--visits", default=1, show_default=True, help="Visits per resident in the run.")
@click.option("--think", default=1.0, show_default=True, help="Mean seconds between steps.")
@click.option("--database", default="",
              help="A PostgreSQL server URL (a fresh database is made there and dropped); "
                   "default: a new SQLite file.")  # fmt: skip
def load(residents: int, seconds: float, workers: int, visits: int, think: float,
         database: str) -> None:  # fmt: skip
    """Residents open the app, read the inbox and pay; p99 and errors, then the ledger checked."""
    if database and not database.startswith(("postgres://", "postgresql://")):
        raise click.BadParameter("a postgresql:// URL", param_hint="--database")
    with tempfile.TemporaryDirectory() as folder:
        run(residents, seconds, workers, database, visits, think, Path(folder))
