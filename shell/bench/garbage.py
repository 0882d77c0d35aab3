"""The garbage calendar: calendar pages served per second against a bare Litestar page, and a
year of collection dates computed per second for one Saga City area.

In-process over ASGI, on a fresh SQLite database holding Saga City's published data, with one
launch token reused (launches are ``machi bench launch``'s business). The calendar page and the
bare page are asked for in turns (25 of one, then 25 of the other), so that a busy moment of a
shared machine weighs on both alike.
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
from pathlib import Path
from typing import Any

import click
import httpx
from litestar import Litestar

from shell.bench.launch import _bare_page
from shell.bench.pages import timed_in_turns
from shell.bench.stats import emit, figures
from shell.settings import ROOT

SAGA = ROOT / "miniapps" / "garbage" / "data" / "saga-city"
AREA = "今宿町"


async def _run(pages: int, years: int) -> None:
    from machi_sdk.app import load_miniapp
    from machi_sdk.testing import FakeShell, MemoryPlatform

    from shell import db, piccolo_conf

    if "garbage" not in piccolo_conf.APP_REGISTRY.app_configs:
        raise click.ClickException("the garbage mini-app is not hosted: add it to MACHI_MINIAPPS")
    if not (SAGA / "area_days.csv").is_file():
        raise click.ClickException(f"Saga City's data is missing at {SAGA}")
    miniapp = load_miniapp(ROOT / "miniapps" / "garbage")
    package = miniapp.route_handlers[0].fn.__module__.rsplit(".", 1)[0]
    actions = importlib.import_module(f"{package}.actions")
    importer = importlib.import_module(f"{package}.importer")
    queries = importlib.import_module(f"{package}.queries")
    rules = importlib.import_module(f"{package}.rules")

    with tempfile.TemporaryDirectory() as folder:
        engine = db.engine_for_url(f"sqlite:///{Path(folder) / 'bench.sqlite3'}")
        db.bind(engine)
        with contextlib.redirect_stdout(sys.stderr):  # Piccolo reports progress on stdout
            await db.migrate()
        await actions.import_5374(importer.read_folder(SAGA))
        area = await queries.find_area(AREA)
        await actions.choose_area("bench-resident", area["id"])

        shell = FakeShell()
        app = shell.create_app(miniapp, platform=MemoryPlatform("garbage").platform)
        token = shell.token("garbage", sub="bench-resident", scopes=["notify"], ttl=600)
        logging.getLogger("httpx").setLevel(logging.WARNING)
        client = httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://garbage.localhost",
            headers={"authorization": f"Bearer {token}", "hx-request": "true"},
        )  # fmt: skip
        bare = httpx.AsyncClient(transport=httpx.ASGITransport(app=Litestar([_bare_page])),
                                 base_url="http://bare.localhost")  # fmt: skip
        failures = 0

        async def calendar_page() -> None:
            nonlocal failures
            response = await client.get("/calendar")
            if response.status_code != 200 or "garbage-calendar" not in response.text:
                failures += 1

        async def bare_page() -> None:
            response = await bare.get("/")
            assert response.status_code == 200

        await calendar_page()
        await bare_page()
        lat, elapsed, base_lat, base_time = await timed_in_turns(pages, calendar_page, bare_page)
        emit({"name": "garbage", "what": "bare Litestar page", **figures(base_lat, base_time)})
        emit({"name": "garbage", "what": "calendar page", **figures(lat, elapsed)})

        stored: dict[Any, Any] = await queries.area_rules(area["id"])
        policy = await queries.policy_for(area["center"])
        start = dt.date(2021, 1, 1)
        end = dt.date(2021, 12, 31)
        began = time.perf_counter()
        for _ in range(years):
            for category_rules in stored.values():
                rules.dates_between(category_rules, start, end, policy)
        area_years = years / (time.perf_counter() - began)
        await client.aclose()
        await bare.aclose()
        await db.stop(engine)

    baseline, result = figures(base_lat, base_time), figures(lat, elapsed)
    emit({"name": "garbage", "summary": True, **result,
          "baseline_per_second": baseline["per_second"],
          "ratio": round(result["per_second"] / baseline["per_second"], 3),
          "area_years_per_second": round(area_years, 1), "failures": failures,
          "pages": pages})  # fmt: skip


@click.command("garbage")
@click.option("--pages", default=500, show_default=True, help="Calendar pages to measure.")
@click.option("--years", default=200, show_default=True, help="Area-years of dates to compute.")
def garbage(pages: int, years: int) -> None:
    """Calendar pages per second vs a bare page; a year of one Saga area's dates per second."""
    asyncio.run(_run(pages, years))
