"""Several workers behind one city: two `machi serve` processes and a `machi worker` on one
PostgreSQL database and one Redis. A browser on each server: a notice sent through one reaches
a page served by the other live, its push goes out from the job worker, and disaster mode
switched on through one reaches the page on the other without a reload."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import re
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import asyncpg
import httpx
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

from shell.notifications.delivery import BATCH
from shell.settings import FIRST_PARTY_MINIAPPS, ROOT
from shell.wallet.merchant_routes import payload_of
from tests.conftest import (
    POSTGRES_URL,
    REDIS_URL,
    _create_postgres_database,
    _drop_postgres_database,
)
from tests.helpers.authenticator import SoftAuthenticator
from tests.helpers.flows import csrf_headers, signup

SECRET = "cluster-test-secret-key-0123456789"
# Hosted by both servers: the first-party apps and the booking app (its race is tested here).
CLUSTER_MINIAPPS = tuple(dict.fromkeys([*FIRST_PARTY_MINIAPPS, "miniapps/booking"]))


@dataclass
class ClusterServer(Server):
    shared: dict[str, str] = field(default_factory=dict)

    @property
    def env(self) -> dict[str, str]:
        return {**super().env, **self.shared}


# A push runner's claim is taken over after this many seconds, looked for this often: short
# here, so that a worker started after a crash finishes a fan-out within the test.
CLAIM_SECONDS = 8
RESUME_SECONDS = 2


@dataclass
class Cluster:
    first: ClusterServer
    second: ClusterServer
    database_url: str
    log_dir: Path
    workers: list[subprocess.Popen[bytes]] = field(default_factory=list)

    def __iter__(self) -> Any:  # first, second, database_url = cluster
        return iter((self.first, self.second, self.database_url))

    def start_worker(self) -> subprocess.Popen[bytes]:
        log = (self.log_dir / f"worker-{len(self.workers)}.log").open("wb")
        worker = subprocess.Popen(
            [sys.executable, "-m", "shell.cli", "worker"],
            cwd=ROOT, env=self.first.env, stdout=log, stderr=subprocess.STDOUT,
        )  # fmt: skip
        log.close()  # the child holds its own copy
        self.workers.append(worker)
        return worker

    def worker_logs(self) -> str:
        return "\n".join(
            path.read_text(errors="replace")[-3000:]
            for path in sorted(self.log_dir.glob("worker-*"))
        )


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
        "MACHI_MINIAPPS": ",".join(["sdk/examples/hello", *CLUSTER_MINIAPPS]),
        "MACHI_PUSH_CLAIM_SECONDS": str(CLAIM_SECONDS),
        "MACHI_PUSH_RESUME_SECONDS": str(RESUME_SECONDS),
    }
    first = ClusterServer(_free_port(), tmp_path / "one", push_service.base_url, shared=shared)
    second = ClusterServer(
        _free_port(), tmp_path / "two", push_service.base_url, shared={**shared, "MACHI_DEMO": "0"}
    )
    for server in (first, second):
        server.data_dir.mkdir()
    cluster = Cluster(first, second, database_url, tmp_path)
    try:
        await first.astart()  # migrates and loads the demo town first
        await second.astart()
        cluster.start_worker()
        yield cluster
    finally:
        for worker in cluster.workers:
            if worker.poll() is None:
                worker.terminate()
                try:
                    worker.wait(timeout=20)  # the worker ends within 15 s of SIGTERM
                except subprocess.TimeoutExpired:
                    worker.kill()
                    worker.wait()
                    raise
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


# ---- over HTTP, without browsers: races across the two processes, and a crash mid-fan-out ----


class _LocalhostTransport(httpx.AsyncHTTPTransport):
    """Browsers treat http://localhost as secure and send its ``Secure`` (``__Host-``) cookies;
    Python's cookie jar does not, so the attribute is dropped on the way in."""

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        response = await super().handle_async_request(request)
        response.headers = httpx.Headers([
            (name, re.sub(r";\s*Secure", "", value, flags=re.I) if name == "set-cookie" else value)
            for name, value in response.headers.multi_items()
        ])  # fmt: skip
        return response


def _client(server: ClusterServer, signed_in: Any = None) -> Any:
    """An HTTP client on ``server``; with ``signed_in``, holding that client's cookies."""
    client = httpx.AsyncClient(
        base_url=server.base_url, timeout=30, transport=_LocalhostTransport()
    )
    if signed_in is not None:
        for cookie in signed_in.cookies.jar:
            client.cookies.jar.set_cookie(cookie)
    return client


async def _resident(server: ClusterServer, name: str, **profile: str) -> Any:
    client = _client(server)
    authenticator = SoftAuthenticator(origin=server.base_url)
    await signup(client, authenticator, name=name, name_kana="てすと", **profile)
    return client


def _form(client: Any, **fields: str) -> dict[str, Any]:
    return {"data": fields, "headers": {**csrf_headers(client), "accept": "text/html"}}


async def _key(client: Any, path: str, **params: str) -> str:
    page = await client.get(path, params=params)
    assert page.status_code == 200, page.text
    found = re.search(r'name="key" value="([^"]+)"', page.text)
    assert found, page.text
    return found[1]


async def _top_up(client: Any, amount: int) -> None:
    key = await _key(client, "/wallet")
    started = await client.post("/wallet/topup", **_form(client, amount=str(amount), key=key))
    assert started.status_code == 303, started.text
    done = await client.post(started.headers["location"], **_form(client, outcome="pay"))
    assert done.status_code == 303, done.text


async def _fetch(database_url: str, sql: str, *args: Any) -> list[Any]:
    connection = await asyncpg.connect(database_url)
    try:
        return list(await connection.fetch(sql, *args))
    finally:
        await connection.close()


def _verify(server: ClusterServer) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "shell.cli", "wallet", "verify"],
        cwd=ROOT, env=server.env, capture_output=True, text=True, timeout=60,
    )  # fmt: skip


async def _launch_token(client: Any, slug: str) -> str:
    await client.get(f"/apps/{slug}")
    consent = await client.post(f"/apps/{slug}/consent", headers=csrf_headers(client))
    assert consent.status_code in (302, 303), consent.text
    response = await client.post(f"/apps/{slug}/token", headers=csrf_headers(client))
    assert response.status_code == 200, response.text
    return str(response.json()["token"])


def _app_client(server: ClusterServer, token: str) -> Any:
    """The mini-app's origin (booking.localhost:PORT) reached on 127.0.0.1 with its Host."""
    return httpx.AsyncClient(
        base_url=f"http://127.0.0.1:{server.port}",
        headers={"host": f"booking.localhost:{server.port}", "authorization": f"Bearer {token}"},
        timeout=30,
    )


async def test_a_payment_and_a_booking_race_across_both_processes_stay_correct(cluster):
    first, second, database_url = cluster
    # One resident signed in on both servers (the session lives in the shared database).
    payer = await _resident(first, "競争 払子")
    payer_there = _client(second, payer)
    try:
        await _top_up(payer, 1000)
        shop = (
            await _fetch(database_url, "SELECT * FROM wallet_merchant WHERE code = 'DEMO0002'")
        )[0]
        qr_text = payload_of(dict(shop))
        keys = [await _key(payer, "/wallet/pay", qr_text=qr_text) for _ in range(2)]

        # Two payments that together exceed the balance, one through each server, at once.
        outcomes = await asyncio.gather(
            payer.post("/wallet/pay", **_form(payer, qr_text=qr_text, amount="600", key=keys[0])),
            payer_there.post(
                "/wallet/pay", **_form(payer_there, qr_text=qr_text, amount="600", key=keys[1])
            ),
        )
        assert sorted(r.status_code for r in outcomes) == [200, 400]
        # The same request (one idempotency key) through both servers at once: applied once.
        again = await asyncio.gather(
            payer.post("/wallet/pay", **_form(payer, qr_text=qr_text, amount="300", key="twice")),
            payer_there.post(
                "/wallet/pay", **_form(payer_there, qr_text=qr_text, amount="300", key="twice")
            ),
        )
        assert [r.status_code for r in again] == [200, 200]
        payments = await _fetch(
            database_url,
            "SELECT amount FROM wallet_transaction WHERE kind = 'payment' AND merchant = $1",
            shop["id"],
        )
        assert sorted(row["amount"] for row in payments) == [300, 600]  # each applied once
        cash = await _fetch(
            database_url,
            "SELECT a.balance FROM wallet_account a JOIN identity_account i ON i.id = a.owner "
            "WHERE a.kind = 'cash' AND i.name = '競争 払子'",
        )
        assert [row["balance"] for row in cash] == [100]
        verified = await asyncio.to_thread(_verify, first)
        assert verified.returncode == 0, verified.stdout + verified.stderr
    finally:
        await payer.aclose()
        await payer_there.aclose()

    # Two residents, one on each server, book the same slot at once: exactly one booking.
    one = await _resident(first, "予約 一郎")
    two = await _resident(second, "予約 二郎")
    try:
        tokens = [await _launch_token(one, "booking"), await _launch_token(two, "booking")]
        facility = (await _fetch(
            database_url,
            "SELECT id FROM booking_facility WHERE approval = false AND active ORDER BY id LIMIT 1",
        ))[0]["id"]  # fmt: skip
        async with (
            _app_client(first, tokens[0]) as app_one,
            _app_client(second, tokens[1]) as app_two,
        ):
            grid = await app_one.get(f"/facilities/{facility}/grid")
            assert grid.status_code == 200, grid.text
            slot = re.search(r'name="slot" value="([^"]+)"', grid.text)
            assert slot, grid.text
            booked = await asyncio.gather(
                app_one.post(f"/facilities/{facility}/book", data={"slot": slot[1]}),
                app_two.post(f"/facilities/{facility}/book", data={"slot": slot[1]}),
            )
            assert sorted(r.status_code for r in booked) == [200, 409], [r.text for r in booked]
            day, start = slot[1].rsplit("-", 1)
            taken = await _fetch(
                database_url,
                "SELECT o.subject FROM booking_slot s JOIN booking_order o ON o.id = s.order "
                "WHERE s.facility = $1 AND s.day = $2 AND s.starts = $3",
                facility, dt.date.fromisoformat(day), int(start),
            )  # fmt: skip
            assert len(taken) == 1
            after = await app_two.get(f"/facilities/{facility}/grid")
            assert f'value="{slot[1]}"' not in after.text  # taken for the other resident too
    finally:
        await one.aclose()
        await two.aclose()


RECIPIENTS = 2000


async def _recipients(database_url: str, service: Any, count: int) -> tuple[int, dict[int, str]]:
    """A district of ``count`` residents, each with a device on the local push service; made
    in the database directly (thousands of passkey ceremonies would test nothing more)."""
    connection = await asyncpg.connect(database_url)
    try:
        district = await connection.fetchval(
            "INSERT INTO city_district (code, name, name_kana, position) "
            "VALUES ('fanout', '配信町', 'はいしんまち', 99) RETURNING id"
        )
        accounts = await connection.fetch(
            "INSERT INTO identity_account (name, name_kana, birth_date, district, language, "
            "webauthn_user_id) SELECT '配信 ' || n, 'はいしん', DATE '1980-01-01', $1, 'ja', "
            "'fanout-' || n FROM generate_series(1, $2) AS n RETURNING id",
            district, count,
        )  # fmt: skip
        devices: dict[int, str] = {}
        rows = []
        for account in accounts:
            subscription = service.subscribe()
            devices[account["id"]] = subscription["id"]
            keys = subscription["keys"]
            rows.append((account["id"], subscription["endpoint"], keys["p256dh"], keys["auth"]))
        await connection.executemany(
            "INSERT INTO notifications_push_subscription (account, endpoint, p256dh, auth) "
            "VALUES ($1, $2, $3, $4)",
            rows,
        )
        return district, devices
    finally:
        await connection.close()


def _received(service: Any, devices: dict[int, str], title: str) -> dict[str, int]:
    """How many pushes with ``title`` each device received."""
    counts = {}
    for device in devices.values():
        counts[device] = sum(
            1 for m in service.devices[device].messages if json.loads(m["data"])["title"] == title
        )
    return counts


async def test_killing_an_app_process_and_the_worker_mid_fan_out_loses_no_notification(
    cluster, push_service
):
    first, second, database_url = cluster
    district, devices = await _recipients(database_url, push_service, RECIPIENTS)
    notifier = await _resident(second, "配信 係長")
    try:
        await _grant(second, database_url, "配信 係長", "notifier")
        title = "配信町の断水のお知らせ"
        # Sent through the first process: it fills the inboxes, the worker pushes.
        sender = _client(first, notifier)
        await sender.get("/staff/notifications/new")
        sent = await sender.post(
            "/staff/notifications/",
            **_form(sender, title_ja=title, body_ja="明日は配信町で断水します。", topic="city",
                    district=str(district)),
        )  # fmt: skip
        assert sent.status_code == 303, sent.text
        await sender.aclose()

        # While the pushes go out: SIGKILL the process that sent and the job worker.
        for _ in range(3000):
            arrived = sum(_received(push_service, devices, title).values())
            if arrived >= RECIPIENTS // 10:
                break
            await asyncio.sleep(0.01)
        assert first.process is not None
        first.process.kill()
        cluster.workers[0].kill()
        cluster.workers[0].wait(timeout=10)
        at_kill = sum(_received(push_service, devices, title).values())
        assert RECIPIENTS // 10 <= at_kill < RECIPIENTS, "the kill missed the fan-out"

        # Every recipient has the notice in the inbox, served by the surviving process.
        inbox = await _fetch(
            database_url,
            "SELECT i.account FROM notifications_inbox_item i JOIN notifications_message m "
            "ON m.id = i.message WHERE m.texts::text LIKE $1",
            f"%{title}%",
        )
        assert sorted(row["account"] for row in inbox) == sorted(devices)

        # A new worker takes over what the killed one had claimed: every device gets the push.
        cluster.start_worker()
        query = (
            "SELECT i.push_state, count(*) AS n FROM notifications_inbox_item i "
            "JOIN notifications_message m ON m.id = i.message WHERE m.texts::text LIKE $1 "
            "GROUP BY i.push_state"
        )
        counts: dict[str, int] = {}
        states: dict[str, int] = {}
        for _ in range(120):  # bounded: a minute at most
            counts = _received(push_service, devices, title)
            states = {row["push_state"]: row["n"] for row in await _fetch(
                database_url, query, f"%{title}%"
            )}  # fmt: skip
            if all(counts.values()) and states == {"sent": RECIPIENTS}:
                break
            await asyncio.sleep(0.5)
        missing = [device for device, count in counts.items() if count == 0]
        assert not missing, f"{len(missing)} devices got no push\n{cluster.worker_logs()}"
        assert states == {"sent": RECIPIENTS}
        # Pushes that were in flight when the worker died (the push service had taken them, the
        # worker had not written so) go out again: only some of the one batch the dead runner
        # had claimed, and with the same Topic and tag, so a push service still holding
        # the first replaces it (RFC 8030 5.4) and the device shows the notification once.
        twice = sum(count - 1 for count in counts.values())
        print(f"fan-out of {RECIPIENTS}: {at_kill} pushed before the kill, {twice} twice")
        assert twice <= BATCH
        for device in devices.values():
            shown = {
                (json.loads(m["data"])["tag"], m["topic"])
                for m in push_service.devices[device].messages
            }
            assert len(shown) == 1
    finally:
        await notifier.aclose()
