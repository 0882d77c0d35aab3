"""Several workers behind one city: two `machi serve` processes and a `machi worker` on one
PostgreSQL database and one Redis. A browser on each server: a notice sent through one reaches
a page served by the other live, its push goes out from the job worker, and disaster mode
switched on through one reaches the page on the other without a reload."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import asyncpg
import pytest
import redis
from conftest import Server, _free_port
from pages.browser import phone_page
from pages.disaster import (
    ResidentDisasterView,
    StaffDisasterPage,
    live_connected,
    mark_document,
    not_reloaded,
)
from pages.identity import Resident, sign_up
from pages.webpush import pushes, turn_on_push, use_local_push
from playwright.async_api import expect

from shell.settings import ROOT
from tests.conftest import (
    POSTGRES_URL,
    REDIS_URL,
    _create_postgres_database,
    _drop_postgres_database,
)

SECRET = "cluster-test-secret-key-0123456789"


@dataclass
class ClusterServer(Server):
    shared: dict[str, str] = field(default_factory=dict)

    @property
    def env(self) -> dict[str, str]:
        return {**super().env, **self.shared}


@pytest.fixture(name="cluster")
async def fx_cluster(tmp_path: Path, push_service: Any) -> Any:
    if not (POSTGRES_URL and REDIS_URL):
        pytest.skip("needs MACHI_TEST_POSTGRES_URL and MACHI_TEST_REDIS_URL (.ci/run sets both)")
    name, database_url = await _create_postgres_database()
    client = redis.Redis.from_url(REDIS_URL)
    client.delete("machi:jobs:urgent", "machi:jobs:routine")
    client.close()
    shared = {
        "MACHI_DATABASE_URL": database_url,
        "MACHI_REDIS_URL": REDIS_URL,
        "MACHI_SECRET_KEY": SECRET,
    }
    first = ClusterServer(_free_port(), tmp_path / "one", push_service.base_url, shared=shared)
    second = ClusterServer(
        _free_port(), tmp_path / "two", push_service.base_url, shared={**shared, "MACHI_DEMO": "0"}
    )
    for server in (first, second):
        server.data_dir.mkdir()
    worker_log = (tmp_path / "worker.log").open("wb")
    worker = None
    try:
        await first.astart()  # migrates and loads the demo town first
        await second.astart()
        worker = subprocess.Popen(  # noqa: ASYNC220  (started once; returns at once)
            [sys.executable, "-m", "shell.cli", "worker"],
            cwd=ROOT, env=first.env, stdout=worker_log, stderr=subprocess.STDOUT,
        )  # fmt: skip
        yield first, second, database_url
    finally:
        if worker is not None:
            worker.terminate()
            worker.wait(timeout=15)
        worker_log.close()
        await first.astop()
        await second.astop()
        await _drop_postgres_database(name)


async def _grant(server: ClusterServer, database_url: str, name: str, role: str) -> None:
    connection = await asyncpg.connect(database_url)
    try:
        account = await connection.fetchval(
            "SELECT id FROM identity_account WHERE name = $1 ORDER BY id DESC LIMIT 1", name
        )
    finally:
        await connection.close()
    await asyncio.to_thread(
        subprocess.run,
        [sys.executable, "-m", "shell.cli", "staff", "grant", str(account), role],
        cwd=ROOT, env=server.env, check=True, capture_output=True,
    )  # fmt: skip


async def test_two_app_servers_and_a_job_worker_act_as_one_city(browser, cluster, push_service):
    first, second, database_url = cluster
    contexts: list[Any] = []
    try:
        resident = await phone_page(browser, first, contexts)
        await resident.context.grant_permissions(["notifications"], origin=first.base_url)
        device = await use_local_push(resident.context, push_service)
        await sign_up(
            resident, Resident(name="北方 二郎", kana="きたがた じろう", district="kitagata")
        )
        await turn_on_push(resident)
        await expect(resident.get_by_test_id("push-status")).to_have_text(
            "この端末に通知が届くようになりました。"
        )
        await resident.goto("/")
        await live_connected(resident)
        await mark_document(resident)

        notifier = await phone_page(browser, second, contexts)
        await sign_up(notifier, Resident(name="配信 二号", kana="はいしん にごう"))
        await _grant(second, database_url, "配信 二号", "notifier")
        await notifier.goto("/staff/notifications/new")
        await notifier.get_by_test_id("title-ja").fill("北方町の道路工事")
        await notifier.get_by_test_id("body-ja").fill("明日は北方町の県道が片側通行です。")
        await notifier.get_by_label("北方町").check()
        await notifier.get_by_test_id("send").click()
        await expect(notifier.get_by_test_id("message-status")).to_have_text("送信済み")

        # Served by the other process, the resident's open page shows the new notice, live.
        await expect(resident.get_by_test_id("unread-badge")).to_be_visible(timeout=15_000)
        # The push went out from the job worker: web processes only queue work when Redis is set.
        received = await pushes(push_service, device, within=30.0)
        assert "北方町の道路工事" in received[0]["data"]

        # Disaster mode switched on through the second server reaches the first one's page.
        staff = StaffDisasterPage(notifier)
        await staff.open()
        await staff.switch_on("大雨特別警報（訓練ではありません）")
        view = ResidentDisasterView(resident)
        await expect(view.banner()).to_contain_text("大雨特別警報", timeout=15_000)
        await expect(view.disaster_home()).to_be_visible(timeout=15_000)
        assert await not_reloaded(resident)
        await staff.switch_off()
        await expect(view.disaster_home()).to_have_count(0, timeout=15_000)
    finally:
        for context in contexts:
            await context.close()
