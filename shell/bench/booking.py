"""Facility booking: C residents race for each of many slots over HTTP (in-process ASGI), then
the week's availability page is served against a bare Litestar page in the same run (asked for in
turns, 25 of one then 25 of the other, so that a busy moment of a shared machine weighs on both).

Prints ``per_second`` (booking attempts), ``contested_slots``, ``double_bookings`` (slots held by
more than one live booking: must be 0), ``lost_slots`` (contested slots no one got: must be 0),
``page_per_second`` against ``baseline_per_second`` and their ``ratio``.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import importlib
import logging
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import click
import httpx
from litestar import Litestar

from shell.bench.launch import _bare_page
from shell.bench.pages import timed_in_turns
from shell.bench.stats import emit, figures
from shell.settings import ROOT


async def _run(url: str, concurrency: int, slots: int, pages: int) -> None:
    from machi_sdk.app import load_miniapp
    from machi_sdk.testing import FakeShell, MemoryPlatform

    from shell import db, piccolo_conf

    if "booking" not in piccolo_conf.APP_REGISTRY.app_configs:
        raise click.ClickException("the booking mini-app is not hosted: add it to MACHI_MINIAPPS")
    miniapp = load_miniapp(ROOT / "miniapps" / "booking")
    package = miniapp.route_handlers[0].fn.__module__.rsplit(".", 1)[0]
    actions = importlib.import_module(f"{package}.actions")
    rules = importlib.import_module(f"{package}.rules")
    tables = importlib.import_module(f"{package}.tables")

    with tempfile.TemporaryDirectory() as folder:
        engine = db.engine_for_url(url or f"sqlite:///{Path(folder) / 'bench.sqlite3'}")
        db.bind(engine)
        await db.start(engine)
        with contextlib.redirect_stdout(sys.stderr):  # Piccolo reports progress on stdout
            await db.migrate()
        run = uuid.uuid4().hex[:8]
        per_day = 12
        facility_id = await actions.save_facility({
            "name": f"bench hall {run}", "kind": "hall", "opens": 540, "closes": 540 + 60 * per_day,
            "slot_minutes": 60, "fee_resident": 0, "fee_nonresident": 0,
        })  # fmt: skip
        first = rules.today() + dt.timedelta(days=1)
        wanted = [(first + dt.timedelta(days=n // per_day), 540 + 60 * (n % per_day))
                  for n in range(slots)]  # fmt: skip

        shell = FakeShell()
        app = shell.create_app(miniapp, platform=MemoryPlatform("booking").platform)
        logging.getLogger("httpx").setLevel(logging.WARNING)
        transport = httpx.ASGITransport(app=app)
        clients = [
            httpx.AsyncClient(transport=transport, base_url="http://booking.localhost", headers={
                "authorization": "Bearer " + shell.token(
                    "booking", sub=f"bench-{run}-{n}", scopes=["resident.verified"], ttl=900),
                "hx-request": "true"})
            for n in range(concurrency)
        ]  # fmt: skip
        answers: dict[int, int] = {}
        latencies: list[float] = []

        async def attempt(client: httpx.AsyncClient, day: dt.date, start: int) -> None:
            began = time.perf_counter()
            response = await client.post(f"/facilities/{facility_id}/book",
                                         data={"slot": f"{day.isoformat()}-{start}"})  # fmt: skip
            latencies.append(time.perf_counter() - began)
            answers[response.status_code] = answers.get(response.status_code, 0) + 1

        began = time.perf_counter()
        for day, start in wanted:
            await asyncio.gather(*(attempt(c, day, start) for c in clients))
        elapsed = time.perf_counter() - began
        race = figures(latencies, elapsed)
        emit({"name": "booking", "what": "racing bookings", **race, "answers": answers})

        slot = tables.BookingSlot
        live = await slot.select(slot.day, slot.starts).where(
            (slot.facility == facility_id)
            & slot.order.status.is_in(["booked", "requested"])
        )  # fmt: skip
        held: dict[tuple[Any, int], int] = {}
        for row in live:
            held[(row["day"], row["starts"])] = held.get((row["day"], row["starts"]), 0) + 1
        double = sum(1 for n in held.values() if n > 1)
        lost = sum(1 for key in wanted if key not in held)

        page_client = clients[0]
        bare = httpx.AsyncClient(transport=httpx.ASGITransport(app=Litestar([_bare_page])),
                                 base_url="http://bare.localhost")  # fmt: skip
        failures = 0

        async def page() -> None:
            nonlocal failures
            response = await page_client.get(f"/facilities/{facility_id}",
                                              params={"week": first.isoformat()})  # fmt: skip
            if response.status_code != 200 or "booking-grid" not in response.text:
                failures += 1

        async def bare_page() -> None:
            response = await bare.get("/")
            assert response.status_code == 200

        await page()
        await bare_page()
        lat, spent, base_lat, base_time = await timed_in_turns(pages, page, bare_page)
        baseline = figures(base_lat, base_time)
        emit({"name": "booking", "what": "bare Litestar page", **baseline})
        shown = figures(lat, spent)
        emit({"name": "booking", "what": "availability page", **shown})
        for client in clients:
            await client.aclose()
        await bare.aclose()
        await db.stop(engine)

    emit({"name": "booking", "summary": True, **race, "concurrency": concurrency,
          "attempts": len(latencies), "contested_slots": len(wanted),
          "double_bookings": double, "lost_slots": lost,
          "page_per_second": shown["per_second"],
          "baseline_per_second": baseline["per_second"],
          "ratio": round(shown["per_second"] / baseline["per_second"], 3),
          "failures": failures})  # fmt: skip


@click.command("booking")
@click.option("--database", default="", help="Database URL (default: a new SQLite file).")
@click.option("--concurrency", default=8, show_default=True, help="Residents racing per slot.")
@click.option("--slots", default=60, show_default=True, help="Contested slots.")
@click.option("--pages", default=300, show_default=True, help="Availability pages to measure.")
def booking(database: str, concurrency: int, slots: int, pages: int) -> None:
    """C residents race for each slot; double and lost bookings; the availability page per
    second against a bare page."""
    if concurrency < 1 or slots < 1 or pages < 2:
        raise click.BadParameter("concurrency and slots at least 1, pages at least 2")
    asyncio.run(_run(database, concurrency, slots, pages))
