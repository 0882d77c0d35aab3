"""Server-rendered pages per second on a real ``machi serve --workers N``, against a bare Litestar
page served the same way (shell/serving.py: workers, host, logging), in the same run.

Pages: the home page of a signed-in resident, a mini-app page (the garbage app's first page, on
its own origin with a launch token, as its frame asks for it) and the booking app's availability
grid (what an open booking page polls). The resident and their session are written to the
database directly (one passkey ceremony would measure nothing more); consent and launch tokens go
through the shell's own endpoints. The load comes from a small keep-alive HTTP/1.1 client, an
asyncio protocol with llhttp's parser (httpx, or even asyncio's streams, would take more of the
cores the servers it measures run on).

The summary's ``per_second`` is the slowest of the three pages, ``ratio`` that over the bare
page's; with ``--workers`` above 1 the pages are measured with one worker too (``scaling``),
and ``cpu_scaling`` says what the machine itself gave meanwhile: pure Python work in as many of
the load clients' processes as workers, against one, in the same rounds. The
shell and the bare page's server run side by side (with ``--workers`` above 1, a second pair with
one worker beside them), and all their pages take turns (``--rounds``), so that a shared machine's
slow spell falls on all of them alike.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import json
import multiprocessing
import os
import secrets
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

import click
import httptools
import httpx
from litestar import Litestar, MediaType, get

from shell.bench.stats import emit, figures
from shell.settings import ROOT

SESSION_COOKIE = "__Host-machi_session"  # the shell at http://localhost uses __Host- cookies
CSRF_COOKIE = "__Host-machi_csrf"
HOSTED = "miniapps/garbage,miniapps/booking"


# ---- the bare page --------------------------------------------------------------------------


@get("/", media_type=MediaType.HTML)
async def _bare_page() -> str:
    return "<!doctype html><title>bare</title><p>こんにちは</p>"


def bare_app() -> Litestar:
    """The baseline, served as ``machi serve`` serves the shell (``create_served``)."""
    from shell import serving

    return Litestar([_bare_page], on_startup=[serving.settle])


# ---- servers --------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _healthy(port: int, path: str) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=2) as response:
            return bool(response.status == 200)
    except (urllib.error.URLError, ConnectionError, TimeoutError, OSError):
        return False


@contextlib.contextmanager
def running(
    command: list[str], env: dict[str, str], port: int, log: Path, health: str = "/healthz"
) -> Iterator[subprocess.Popen[bytes]]:
    """A server process, waited for until ``health`` answers 200; stopped afterwards."""
    with log.open("ab") as out:
        process = subprocess.Popen(  # noqa: S603  (our own interpreter and arguments)
            command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT
        )
    try:
        deadline = time.monotonic() + 180
        while not _healthy(port, health):
            if process.poll() is not None or time.monotonic() > deadline:
                tail = log.read_text(errors="replace")[-3000:]
                raise click.ClickException(f"{' '.join(command[2:5])} did not start:\n{tail}")
            time.sleep(0.2)
        yield process
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)


def shell_env(data_dir: Path, port: int, database: str) -> dict[str, str]:
    return {
        **os.environ,
        "MACHI_DATA_DIR": str(data_dir),
        "MACHI_DATABASE_URL": database,
        "MACHI_REDIS_URL": "",
        "MACHI_PORT": str(port),
        "MACHI_PUBLIC_URL": f"http://localhost:{port}",
        "MACHI_APPS_URL": f"http://{{slug}}.localhost:{port}",
        "MACHI_SECRET_KEY": "bench-pages-secret-0123456789abcdef",
        "MACHI_DEMO": "1",
        "MACHI_MINIAPPS": HOSTED,
        "MACHI_PLATFORM_RATE_LIMIT": "100000000",
        "MACHI_AUTH_RATE_LIMIT": "100000000",
        "PYTHONUNBUFFERED": "1",
    }


def serve_command(port: int, workers: int) -> list[str]:
    return [sys.executable, "-m", "shell.cli", "serve", "--host", "127.0.0.1",
            "--port", str(port), "--workers", str(workers)]  # fmt: skip


def bare_command(port: int, workers: int) -> list[str]:
    # Served as `machi serve` serves the shell (shell/serving.py): the same uvicorn options, and
    # with several workers the same socket per worker.
    return [sys.executable, "-m", "shell.serving", "shell.bench.pages:bare_app",
            "--host", "127.0.0.1", "--port", str(port), "--workers", str(workers)]  # fmt: skip


# ---- residents and their sessions, written directly -------------------------------------------


async def make_residents(count: int, run: str) -> list[dict[str, Any]]:
    """``count`` residents, each signed in: (id, session key). The session row is what the shell's
    sign-in stores (shell/identity/session.py), under a fresh random key."""
    from shell.city.tables import District
    from shell.identity.tables import Account, WebSession

    districts = [row["id"] for row in await District.select(District.id).order_by(District.id)]
    made: list[dict[str, Any]] = []
    expires = dt.datetime.now(dt.UTC) + dt.timedelta(days=1)
    for start in range(0, count, 500):
        rows = await Account.insert(*[
            Account(name=f"負荷 {i}", name_kana="ふか", birth_date=dt.date(1940 + i % 60, 4, 1),
                    district=districts[i % len(districts)], webauthn_user_id=f"bench-{run}-{i}")
            for i in range(start, min(count, start + 500))
        ]).returning(Account.id)  # fmt: skip
        sessions = []
        for row in rows:
            key = secrets.token_hex(16)
            value = {"account_id": row["id"], "epoch": 0, "nonce": secrets.token_urlsafe(24)}
            sessions.append(
                WebSession(key=key, value=json.dumps(value).encode(), expires_at=expires)
            )
            made.append({"id": row["id"], "session": key})
        await WebSession.insert(*sessions)
    return made


@contextlib.asynccontextmanager
async def database(url: str) -> Any:
    from shell import db

    engine = db.engine_for_url(url)
    db.bind(engine)
    await db.start(engine)
    try:
        yield engine
    finally:
        await db.stop(engine)


class ShellClient:
    """A signed-in resident's httpx client: the session cookie, the CSRF cookie and header."""

    def __init__(self, port: int, session: str) -> None:
        self.port = port
        self.cookies = {SESSION_COOKIE: session}
        self.client = httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=60)

    def headers(self, **extra: str) -> dict[str, str]:
        cookie = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        return {"host": f"localhost:{self.port}", "cookie": cookie, **extra}

    def _keep(self, response: httpx.Response) -> httpx.Response:
        for header in response.headers.get_list("set-cookie"):
            name, _, rest = header.partition("=")
            value = rest.split(";", 1)[0]
            if value and value != '""':
                self.cookies[name.strip()] = value
        return response

    async def get(self, path: str) -> httpx.Response:
        return self._keep(await self.client.get(path, headers=self.headers()))

    async def post(self, path: str, **kwargs: Any) -> httpx.Response:
        if CSRF_COOKIE not in self.cookies:
            await self.get("/")
        headers = self.headers(**{"x-csrftoken": self.cookies.get(CSRF_COOKIE, "")})
        return self._keep(await self.client.post(path, headers=headers, **kwargs))

    async def launch_token(self, slug: str) -> str:
        """Consent (once; again is harmless) and a launch token, as the shell's frame gets it."""
        consent = await self.post(f"/apps/{slug}/consent")
        if consent.status_code not in (302, 303):
            raise click.ClickException(f"consent to {slug}: {consent.status_code}")
        token = await self.post(f"/apps/{slug}/token")
        if token.status_code != 200:
            raise click.ClickException(f"token for {slug}: {token.status_code} {token.text[:300]}")
        return str(token.json()["token"])

    async def aclose(self) -> None:
        await self.client.aclose()


# ---- in-process pages against the bare page, taken in turns ----------------------------------


async def timed_in_turns(
    count: int, page: Any, bare: Any, turn: int = 25
) -> tuple[list[float], float, list[float], float]:
    """``count`` calls of ``page`` and of ``bare`` (async callables), ``turn`` of one then ``turn``
    of the other, so that a busy moment of a shared machine falls on both alike; each one's
    latencies and the time spent in its own turns: (page latencies, page seconds, bare
    latencies, bare seconds)."""
    spent = {"page": 0.0, "bare": 0.0}
    latencies: dict[str, list[float]] = {"page": [], "bare": []}
    done = 0
    while done < count:
        n = min(turn, count - done)
        for name, call in (("bare", bare), ("page", page)):
            start = time.perf_counter()
            for _ in range(n):
                began = time.perf_counter()
                await call()
                latencies[name].append(time.perf_counter() - began)
            spent[name] += time.perf_counter() - start
        done += n
    return latencies["page"], spent["page"], latencies["bare"], spent["bare"]


# ---- the load: keep-alive HTTP/1.1 on raw streams ---------------------------------------------


@dataclass
class Target:
    name: str
    what: str
    port: int
    request: bytes
    latencies: list[float] = field(default_factory=list)
    failures: int = 0
    statuses: dict[int, int] = field(default_factory=dict)


def request_bytes(host: str, path: str, headers: dict[str, str] | None = None) -> bytes:
    lines = [f"GET {path} HTTP/1.1", f"Host: {host}", "Accept: text/html"]
    lines += [f"{k}: {v}" for k, v in (headers or {}).items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


async def read_response(reader: asyncio.StreamReader) -> tuple[int, bytes, bool]:
    """One response: (status, body, the server keeps the connection open)."""
    status, _, body, alive = await read_message(reader)
    return status, body, alive


async def read_message(
    reader: asyncio.StreamReader,
) -> tuple[int, list[tuple[str, str]], bytes, bool]:
    """One response: (status, headers in order, body, the server keeps the connection open)."""
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split(" ", 2)[1])
    pairs = []
    for line in lines[1:]:
        if ":" in line:
            name, _, value = line.partition(":")
            pairs.append((name.strip().lower(), value.strip()))
    headers = dict(pairs)
    if "content-length" in headers:
        body = await reader.readexactly(int(headers["content-length"]))
    elif headers.get("transfer-encoding", "").lower() == "chunked":
        parts = []
        while True:
            size = int((await reader.readuntil(b"\r\n")).split(b";")[0], 16)
            if size == 0:
                await reader.readuntil(b"\r\n")
                break
            parts.append((await reader.readexactly(size + 2))[:-2])
        body = b"".join(parts)
    else:
        body = await reader.read()
        return status, pairs, body, False
    return status, pairs, body, headers.get("connection", "").lower() != "close"


class _Asker(asyncio.Protocol):
    """One kept-alive connection asking for a target's page again as soon as each answer has
    been parsed (by llhttp, as the servers parse requests), until ``until``: the load client
    takes the least CPU it can from the two cores it shares with the servers it measures."""

    def __init__(self, target: Target, until: float, measure_from: float) -> None:
        self.target = target
        self.until = until
        self.measure_from = measure_from
        self.parser = httptools.HttpResponseParser(self)
        self.transport: asyncio.Transport | None = None
        self.began = 0.0
        self.closed: asyncio.Future[None] = asyncio.get_running_loop().create_future()

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.Transport, transport)
        self._ask()

    def _ask(self) -> None:
        assert self.transport is not None
        self.began = time.perf_counter()
        if self.began < self.until:
            self.transport.write(self.target.request)
        else:
            self.transport.close()

    def data_received(self, data: bytes) -> None:
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserError:
            self._count(0)
            assert self.transport is not None
            self.transport.close()

    def on_message_complete(self) -> None:
        self._count(self.parser.get_status_code())
        if self.parser.should_keep_alive():
            self._ask()
        elif self.transport is not None:
            self.transport.close()  # asked again on a new connection

    def _count(self, status: int) -> None:
        ended, target = time.perf_counter(), self.target
        if self.began >= self.measure_from:
            target.statuses[status] = target.statuses.get(status, 0) + 1
            if status == 200:
                target.latencies.append(ended - self.began)
            else:
                target.failures += 1

    def connection_lost(self, exc: Exception | None) -> None:
        if not self.closed.done():
            self.closed.set_result(None)


async def _connection(target: Target, until: float, measure_from: float) -> None:
    loop = asyncio.get_running_loop()
    while time.perf_counter() < until:
        _, asker = await loop.create_connection(
            lambda: _Asker(target, until, measure_from), "127.0.0.1", target.port
        )
        await asker.closed


def _hammer_part(
    target: Target, concurrency: int, measure_from: float, until: float
) -> tuple[list[float], int, dict[int, int]]:
    """One client process's share of the load (wall-clock times, the same for every client)."""

    async def go() -> None:
        await asyncio.sleep(max(0.0, measure_from - time.time() - 0.5))
        offset = time.perf_counter() - time.time()
        await asyncio.gather(*[
            _connection(target, until + offset, measure_from + offset)
            for _ in range(concurrency)
        ])  # fmt: skip

    import uvloop

    uvloop.run(go())  # the server's loop too: the client costs the machine as little as it can
    return target.latencies, target.failures, target.statuses


async def hammer(
    target: Target,
    seconds: float,
    concurrency: int,
    warm_up: float,
    clients: int = 1,
    pool: ProcessPoolExecutor | None = None,
) -> float:
    """``concurrency`` connections asking for the page as fast as it answers, for ``seconds``
    after ``warm_up`` seconds not counted; with a ``pool``, from its ``clients`` processes (one
    Python process cannot ask as fast as a bare page answers). The answers are added to
    ``target``; returns the seconds counted."""
    if pool is None:
        start = time.perf_counter()
        measure_from = start + warm_up
        until = measure_from + seconds
        await asyncio.gather(
            *[_connection(target, until, measure_from) for _ in range(concurrency)]
        )
        return time.perf_counter() - measure_from
    loop = asyncio.get_running_loop()
    share = max(1, concurrency // clients)
    measure_from = time.time() + 0.5 + warm_up
    until = measure_from + seconds
    # each client gets the page to ask for, not the answers of earlier turns
    page = Target(target.name, target.what, target.port, target.request)
    parts = await asyncio.gather(*[
        loop.run_in_executor(pool, _hammer_part, page, share, measure_from, until)
        for _ in range(clients)
    ])  # fmt: skip
    for latencies, failures, statuses in parts:
        target.latencies += latencies
        target.failures += failures
        for status, count in statuses.items():
            target.statuses[status] = target.statuses.get(status, 0) + count
    return seconds


def _client_ready() -> None:
    """Run once in each load client before any clock starts: unpickling it imported this module,
    and the client is held a moment so that each process gets one.

    The client is scheduled as batch work (``SCHED_BATCH``): it shares the cores with the servers
    it measures, and a client woken by an answer no longer preempts the worker that is writing
    the next one. With two workers (both cores busy) those preemptions cost each page a context
    switch and its caches; with one worker the client has the other core to itself."""
    import uvloop  # noqa: F401  (imported now, not in the first measured turn)

    if hasattr(os, "SCHED_BATCH"):  # Linux
        os.sched_setscheduler(0, os.SCHED_BATCH, os.sched_param(0))
    time.sleep(0.2)


@contextlib.contextmanager
def client_pool(clients: int) -> Iterator[ProcessPoolExecutor | None]:
    """The load-generating processes (none for one client), started once for a whole run."""
    if clients <= 1:
        yield None
        return
    with ProcessPoolExecutor(clients, mp_context=multiprocessing.get_context("spawn")) as pool:
        # Every client process started and its imports done before any clock starts.
        for done in [pool.submit(_client_ready) for _ in range(clients)]:
            done.result()
        yield pool


def _spin(start_at: float, until: float) -> int:
    """Pure Python work in a load client's process from ``start_at`` to ``until`` (wall clock,
    the same for every process): how many thousand-step loops it got through."""
    time.sleep(max(0.0, start_at - time.time()))
    done = 0
    while time.time() < until:
        for _ in range(1000):
            pass
        done += 1
    return done


async def spin_turn(pool: ProcessPoolExecutor, processes: int, seconds: float) -> int:
    """The machine's own speed just now: ``_spin`` in ``processes`` of the pool's processes at
    once for ``seconds``, their loops added up."""
    loop = asyncio.get_running_loop()
    start_at = time.time() + 0.1
    counts = await asyncio.gather(*[
        loop.run_in_executor(pool, _spin, start_at, start_at + seconds)
        for _ in range(processes)
    ])  # fmt: skip
    return sum(counts)


async def in_rounds(
    targets: list[Target],
    seconds: float,
    rounds: int,
    concurrency: int,
    warm_up: float,
    clients: int,
    pool: ProcessPoolExecutor | None,
    parallel: int = 1,
) -> tuple[list[dict[str, Any]], float | None]:
    """Each target for ``seconds`` in all, in ``rounds`` turns taken in order (page, page, ...,
    bare; page, page, ..., bare; ...): a shared machine's speed drifts over a run, and turns
    spread a slow spell over every target instead of onto whichever was measured then.

    With ``parallel`` above 1 (and a pool that many processes large), each round also runs pure
    Python work in one process and in ``parallel`` at once, as long as a target's turn: the
    second figure returned is how many times one process's work the ``parallel`` did, what
    the machine itself gave just then, beside which a page's scaling can be read."""
    counted = {id(target): 0.0 for target in targets}
    spun = {1: 0, parallel: 0}
    measure_cpu = parallel > 1 and pool is not None
    for turn in range(rounds):
        for target in targets:
            # the first turn warms the server up; later ones only open their connections
            settle = warm_up if turn == 0 else min(warm_up, 0.2)
            counted[id(target)] += await hammer(
                target, seconds / rounds, concurrency, settle, clients, pool
            )
        if measure_cpu:
            assert pool is not None
            for processes in (1, parallel):
                spun[processes] += await spin_turn(pool, processes, seconds / rounds)
    results = []
    for target in targets:
        if not target.latencies:
            raise click.ClickException(f"{target.name}: no page answered 200 ({target.statuses})")
        results.append({"name": "pages", "page": target.name, "what": target.what,
                        **figures(target.latencies, counted[id(target)]),
                        "requests": len(target.latencies),
                        "failures": target.failures})  # fmt: skip
    cpu_scaling = round(spun[parallel] / spun[1], 3) if measure_cpu and spun[1] else None
    return results, cpu_scaling


async def check(port: int, request: bytes, name: str) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        writer.write(request)
        status, body, _ = await read_response(reader)
    finally:
        writer.close()
    if status != 200:
        raise click.ClickException(
            f"{name} answered {status}: {body[:500].decode(errors='replace')}"
        )


# ---- the run --------------------------------------------------------------------------------


async def _prepare(url: str, port: int, resident: dict[str, Any] | None) -> dict[str, Any]:
    """The signed-in resident (made once), fresh launch tokens and the facility to poll."""
    async with database(url):
        if resident is None:
            resident = (await make_residents(1, secrets.token_hex(4)))[0]
        from shell.db import current

        rows = await current().run_ddl(
            "SELECT id FROM booking_facility WHERE active ORDER BY id LIMIT 1"
        )
        if not rows:
            raise click.ClickException("no booking facility (the booking demo data is missing)")
        facility = int(rows[0]["id"])
    client = ShellClient(port, resident["session"])
    try:
        home = await client.get("/")
        if home.status_code != 200 or "unread-badge" not in home.text:
            raise click.ClickException(f"the home page is not signed in ({home.status_code})")
        tokens = {slug: await client.launch_token(slug) for slug in ("garbage", "booking")}
        # What the resident's browser sends from now on: the session and the CSRF cookie the
        # first page set (without the latter, every page would set a new one).
        cookie = "; ".join(f"{name}={value}" for name, value in client.cookies.items())
    finally:
        await client.aclose()
    return {"resident": resident, "tokens": tokens, "facility": facility, "cookie": cookie}


def _targets(port: int, prepared: dict[str, Any]) -> list[Target]:
    cookie = prepared["cookie"]
    app = {"HX-Request": "true"}
    garbage = {**app, "Authorization": f"Bearer {prepared['tokens']['garbage']}"}
    booking = {**app, "Authorization": f"Bearer {prepared['tokens']['booking']}"}
    grid = f"/facilities/{prepared['facility']}/grid"
    return [
        Target("home", "home page of a signed-in resident", port,
               request_bytes(f"localhost:{port}", "/", {"Cookie": cookie})),
        Target("miniapp", "garbage app's first page (launch token)", port,
               request_bytes(f"garbage.localhost:{port}", "/", garbage)),
        Target("grid", "booking availability grid (launch token)", port,
               request_bytes(f"booking.localhost:{port}", grid, booking)),
    ]  # fmt: skip


def run(workers: int, seconds: float, concurrency: int, url: str, folder: Path,
        warm_up: float, clients: int = 1, rounds: int = 5) -> None:  # fmt: skip
    data_dir = folder / "data"
    data_dir.mkdir(exist_ok=True)
    database_url = url or f"sqlite:///{data_dir / 'machi.sqlite3'}"
    resident: dict[str, Any] | None = None
    counts = list(dict.fromkeys([workers, 1] if workers > 1 else [workers]))
    targets: dict[int, list[Target]] = {}
    # Every server runs at once (the shell and the bare page with N workers, and with one), each
    # idle while another is measured, and all their pages take turns in the same rounds: a
    # shared machine's slow spell falls on N workers and on one alike, not on the half of the
    # run that measured one of them (measured one after the other, `scaling` of the same code
    # ranged from 1.68 to 2.25 on one machine in one morning).
    with contextlib.ExitStack() as servers:
        for count in counts:  # one after the other: the first shell migrates the database
            port, bare_port = free_port(), free_port()
            env = shell_env(data_dir, port, url)
            servers.enter_context(
                running(serve_command(port, count), env, port, folder / f"serve-{count}.log")
            )
            bare_log = folder / f"bare-{count}.log"
            servers.enter_context(
                running(bare_command(bare_port, count), dict(os.environ), bare_port, bare_log, "/")
            )
            prepared = asyncio.run(_prepare(database_url, port, resident))
            resident = prepared["resident"]
            bare = Target("bare", "bare Litestar page", bare_port,
                          request_bytes(f"127.0.0.1:{bare_port}", "/"))  # fmt: skip
            targets[count] = [*_targets(port, prepared), bare]
            for target in targets[count]:
                asyncio.run(check(target.port, target.request, target.name))
        with client_pool(clients) as pool:
            everything = [target for count in counts for target in targets[count]]
            parallel = min(workers, clients)
            results, cpu_scaling = asyncio.run(
                in_rounds(everything, seconds, rounds, concurrency, warm_up, clients, pool,
                          parallel)
            )  # fmt: skip
    by_workers: dict[int, dict[str, Any]] = {}
    for count in counts:
        mine = results[: len(targets[count])]
        results = results[len(targets[count]) :]
        for record in mine:
            emit({**record, "workers": count})
        by_workers[count] = {"pages": mine[:-1], "bare": mine[-1]}

    measured = by_workers[workers]
    slowest = min(measured["pages"], key=lambda r: r["per_second"])
    baseline = measured["bare"]["per_second"]
    summary: dict[str, Any] = {
        "name": "pages", "summary": True, "workers": workers,
        "per_second": slowest["per_second"], "slowest_page": slowest["page"],
        "p99_ms": max(r["p99_ms"] for r in measured["pages"]),
        "baseline_per_second": baseline,
        "ratio": round(slowest["per_second"] / baseline, 3),
        "pages": {r["page"]: {"per_second": r["per_second"], "p99_ms": r["p99_ms"],
                              "ratio": round(r["per_second"] / baseline, 3)}
                  for r in measured["pages"]},
        "baseline_p99_ms": measured["bare"]["p99_ms"],
        "failures": sum(r["failures"] for r in [*measured["pages"], measured["bare"]]),
        "concurrency": concurrency, "clients": clients, "seconds": seconds, "rounds": rounds,
        "cpus": os.cpu_count(),
        "database": "postgresql" if url.startswith("postgres") else "sqlite",
    }  # fmt: skip
    if workers > 1:
        one = by_workers[1]
        one_slowest = min(one["pages"], key=lambda r: r["per_second"])
        summary.update(
            one_worker_per_second=one_slowest["per_second"],
            one_worker_baseline_per_second=one["bare"]["per_second"],
            # the same share with one worker, where the load clients have a core to themselves
            one_worker_ratio=round(one_slowest["per_second"] / one["bare"]["per_second"], 3),
            scaling=round(slowest["per_second"] / one_slowest["per_second"], 3),
            baseline_scaling=round(baseline / one["bare"]["per_second"], 3),
        )
        if cpu_scaling is not None:
            # pure Python work in as many processes as workers against one, in the same rounds
            summary["cpu_scaling"] = cpu_scaling
    emit(summary)


@click.command("pages")
@click.option(
    "--workers",
    default=2,
    show_default=True,
    help="`machi serve` worker processes (above 1, one worker is measured too).",
)
@click.option("--seconds", default=5.0, show_default=True, help="Seconds per page.")
@click.option("--concurrency", default=32, show_default=True, help="Connections at once.")
@click.option("--warm-up", default=1.0, show_default=True, help="Seconds not counted first.")
@click.option(
    "--clients",
    default=2,
    show_default=True,
    help="Load-generating processes (so that the client is not what limits the bare page).",
)
@click.option(
    "--rounds",
    default=5,
    show_default=True,
    help="Turns the pages and the bare page take in order, each page's seconds split among them.",
)
@click.option("--database", default="", help="Database URL (default: a new SQLite file).")
def pages(workers: int, seconds: float, concurrency: int, warm_up: float, clients: int,
          rounds: int, database: str) -> None:  # fmt: skip
    """Home page, a mini-app page and the booking grid per second vs a bare Litestar page."""
    if workers < 1:
        raise click.BadParameter("at least one worker", param_hint="--workers")
    if rounds < 1:
        raise click.BadParameter("at least one round", param_hint="--rounds")
    with tempfile.TemporaryDirectory() as folder:
        run(workers, seconds, concurrency, database, Path(folder), warm_up, clients, rounds)
