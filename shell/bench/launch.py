"""Launching a mini-app: mint a token, verify it in the app, render its first page.

Measured in-process over ASGI against a bare Litestar page answered the same way in the same run,
so the ratio shows what the sandbox contract costs per launch, not what the network does.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
import secrets
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import click
import httpx
from litestar import Litestar, MediaType, get

from shell.bench.stats import emit, figures


@get("/", media_type=MediaType.HTML)
async def _bare_page() -> str:
    return "<!doctype html><title>bare</title><p>こんにちは</p>"


async def _timed(count: int, call: Any) -> tuple[list[float], float]:
    latencies = []
    start = time.perf_counter()
    for _ in range(count):
        began = time.perf_counter()
        await call()
        latencies.append(time.perf_counter() - began)
    return latencies, time.perf_counter() - start


async def _run(launches: int) -> None:
    from machi_sdk.auth import TokenVerifier

    from shell import db
    from shell.app import create_server
    from shell.demo import city
    from shell.identity.tables import Account
    from shell.miniapp_host import keys, tokens
    from shell.miniapp_host.keys import ShellKeys
    from shell.settings import Settings

    secret = secrets.token_urlsafe(16)
    with tempfile.TemporaryDirectory() as folder:
        settings = Settings(
            public_url="http://localhost:8000", data_dir=Path(folder), secret_key=secret,
            miniapps=("sdk/examples/hello",), demo=False,
        )  # fmt: skip
        engine = db.engine_for_url(f"sqlite:///{settings.sqlite_path}")
        db.bind(engine)
        with contextlib.redirect_stdout(sys.stderr):  # Piccolo reports progress on stdout
            await db.migrate()
        await city(settings)
        district = (await db.current().run_ddl("SELECT id FROM city_district LIMIT 1"))[0]["id"]
        await Account.insert(Account(
            name="武雄 花子", name_kana="たけお はなこ", birth_date=dt.date(1950, 4, 1),
            district=district, webauthn_user_id="bench",
        ))  # fmt: skip
        account = await Account.select().first()
        assert account is not None
        server = create_server(settings)
        logging.getLogger("httpx").setLevel(logging.WARNING)  # stdout carries only the figures
        hello_host = settings.apps_url.replace("{slug}", "hello")

        async def mint() -> str:
            token, _ = await tokens.mint(
                issuer=settings.public_url, secret=secret, app_id="hello", account=account,
                scopes=["profile.name"], claims={"profile.name": account["name"]},
                locale="ja", roles=[],
            )  # fmt: skip
            return token

        bare = httpx.AsyncClient(transport=httpx.ASGITransport(app=Litestar([_bare_page])),
                                 base_url="http://bare.localhost")  # fmt: skip
        app = httpx.AsyncClient(transport=httpx.ASGITransport(app=server), base_url=hello_host)
        failures = 0

        async def launch() -> None:
            nonlocal failures
            token = await mint()
            response = await app.get("/", headers={"authorization": f"Bearer {token}",
                                                   "hx-request": "true"})  # fmt: skip
            if response.status_code != 200 or "こんにちは" not in response.text:
                failures += 1

        async def bare_page() -> None:
            response = await bare.get("/")
            assert response.status_code == 200

        await launch()  # warm caches (keys, templates) before measuring either side
        await bare_page()
        base_lat, base_time = await _timed(launches, bare_page)
        emit({"name": "launch", "what": "bare Litestar page", **figures(base_lat, base_time)})
        lat, elapsed = await _timed(launches, launch)
        emit({"name": "launch", "what": "mint + verify + first page", **figures(lat, elapsed)})

        verifier = TokenVerifier(settings.public_url, "hello", ShellKeys())
        sample = await mint()
        await verifier.averify(sample)
        began = time.perf_counter()
        for _ in range(launches):
            verifier.verify(sample)
        verify_us = (time.perf_counter() - began) / launches * 1e6
        await bare.aclose()
        await app.aclose()
        keys.forget_cached_key()
        await db.stop(engine)

    baseline, result = figures(base_lat, base_time), figures(lat, elapsed)
    emit({"name": "launch", "summary": True, **result,
          "baseline_per_second": baseline["per_second"],
          "ratio": round(result["per_second"] / baseline["per_second"], 3),
          "verify_us": round(verify_us, 1), "failures": failures,
          "launches": launches})  # fmt: skip


@click.command("launch")
@click.option("--launches", default=500, show_default=True, help="Launches to measure.")
def launch(launches: int) -> None:
    """Mini-app launches per second (token + verification + first page) vs a bare page."""
    asyncio.run(_run(launches))
