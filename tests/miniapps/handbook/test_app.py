"""The app's contract, catalogs and hosting: the manifest, a scope guard on every route, fresh and
complete ja/en catalogs, the shell migrating its tables and running its job, the public offline
page and service worker, and the demo data (idempotent)."""

from __future__ import annotations

import datetime as dt

from machi_sdk.testing import FakeShell, check_catalogs, check_miniapp_contract, miniapp_client

from shell import jobs, piccolo_conf

from .conftest import MINIAPP, module, token


def test_contract():
    assert check_miniapp_contract(MINIAPP) == []


def test_catalogs_are_fresh_and_complete():
    assert check_catalogs(MINIAPP, languages=("ja", "en")) == []


def test_shell_migrates_the_tables_and_runs_the_reminders(settings):
    from dataclasses import replace

    from shell.miniapp_host.registry import load

    assert load(replace(settings, miniapps=("miniapps/handbook",))).get("handbook") is not None
    tables = piccolo_conf.APP_REGISTRY.app_configs["handbook"].table_classes
    assert {t._meta.tablename for t in tables} >= {"handbook_child", "handbook_interview"}
    names = {j.name: j.every for j in jobs.periodic_jobs()}
    assert names["handbook.reminders"] == dt.timedelta(hours=1)


async def test_offline_page_and_service_worker_are_public_and_personal_data_free(web):
    async with miniapp_client(web) as client:  # no token: what the service worker fetches
        page = await client.get("/offline")
        assert page.status_code == 200
        assert "母子手帳（オフライン）" in page.text
        assert "/static/handbook/offline.js" in page.text
        worker = await client.get("/sw.js")
        assert worker.headers["service-worker-allowed"] == "/"
        assert "handbook-offline" in worker.text
        assert (await client.post("/sync", json={"entries": []})).status_code == 401


async def test_english_pages(db, web, shell: FakeShell):
    async with miniapp_client(web, token(shell, locale="en")) as client:
        page = await client.get("/")
        assert "Register a child" in page.text
        assert "お子さんを登録する" not in page.text


async def test_demo_slots_once(db):
    demo = module("demo")
    first = await demo.load_demo()
    assert first == ["handbook: 40 interview slots at the health centre on the next 10 weekdays"]
    assert await demo.load_demo() == []
    assert len(await module("actions").free_slots()) == 40
