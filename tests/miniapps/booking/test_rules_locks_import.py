"""Fees, refunds and slots; the smart locks (the local one opens only in the window, the
RemoteLOCK adapter sends the access-person API's requests); importing 公共施設一覧 CSV."""

from __future__ import annotations

import datetime as dt
import json

import click
import httpx
import pytest

from .conftest import ROOM, module


def test_fees_discounts_refunds_and_slots():
    rules = module("rules")
    assert rules.slot_starts(ROOM) == list(range(540, 1260, 60))
    assert rules.slot_starts({**ROOM, "slot_minutes": 120, "closes": 1080}) == [
        540, 660, 780, 900
    ]  # fmt: skip
    assert rules.rate_for({"resident.verified": True}) == "resident"
    assert rules.rate_for({"resident.verified": False}) == "nonresident"
    assert rules.rate_for({}) == "nonresident"
    assert rules.discount_for(ROOM, {"profile.age_band": "70s"}) == 50
    assert rules.discount_for(ROOM, {"profile.age_band": "60s"}) == 0
    assert rules.fee(ROOM, 3, "resident", 0) == 1500
    assert rules.fee(ROOM, 1, "nonresident", 0) == 750
    assert rules.fee({**ROOM, "fee_resident": 333}, 1, "resident", 50) == 173  # off: 166 -> 160
    day = dt.date(2026, 12, 20)
    assert rules.refund_for(ROOM, 1000, day, dt.date(2026, 12, 13)) == 1000  # 7 days before
    assert rules.refund_for(ROOM, 1000, day, dt.date(2026, 12, 14)) == 500
    assert rules.refund_for(ROOM, 1000, day, dt.date(2026, 12, 19)) == 500
    assert rules.refund_for(ROOM, 1000, day, day) is None
    assert rules.parse_hhmm("9:30") == 570
    assert rules.parse_hhmm("2100") == 1260
    for bad in ("25:00", "abc", "9"):
        with pytest.raises(ValueError):
            rules.parse_hhmm(bad)


async def test_local_lock_opens_only_in_the_window_and_until_revoked(room):
    actions, locks, rules, queries = (module(n) for n in ("actions", "locks", "rules", "queries"))
    day = rules.today() + dt.timedelta(days=2)
    order = await actions.book("r1", room["id"], day, [600, 660], claims={})
    assert await queries.door_code(order["id"]) is None  # not paid: no code yet
    await actions.set_payment("r1", order["number"], "paid")
    code = await queries.door_code(order["id"])
    lock = locks.LocalLock()
    start, end = rules.starts_at(day, 600), rules.starts_at(day, 720)
    assert code["starts_at"] == start
    assert code["ends_at"] == end
    assert await lock.opens("lock-a", code["pin"], start)
    assert await lock.opens("lock-a", code["pin"], end - dt.timedelta(seconds=1))
    assert not await lock.opens("lock-a", code["pin"], start - dt.timedelta(seconds=1))
    assert not await lock.opens("lock-a", code["pin"], end)
    assert not await lock.opens("lock-b", code["pin"], start)
    assert await actions.confirm(order["number"]) == code  # once only
    await actions.cancel("r1", order["number"])
    assert not await lock.opens("lock-a", code["pin"], start)


async def test_remotelock_adapter_speaks_the_access_person_api():
    locks = module("locks")
    seen: list[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        if request.method == "POST" and request.url.path == "/access_persons":
            return httpx.Response(201, json={"data": {"id": "ap-1", "type": "access_guest"}})
        if request.method == "DELETE":
            return httpx.Response(204)
        return httpx.Response(201, json={"data": {"id": "acc-1"}})

    client = httpx.AsyncClient(transport=httpx.MockTransport(answer))
    adapter = locks.RemoteLockAdapter("https://api.remotelock.example", "tok", client=client)
    start = dt.datetime(2026, 12, 5, 1, 0, tzinfo=dt.UTC)  # 10:00 in Tokyo
    code = await adapter.issue("lock-9", "B261205-ABC", start, start + dt.timedelta(hours=2),
                               "Asia/Tokyo")  # fmt: skip
    await adapter.revoke("lock-9", code)
    await client.aclose()
    made, access, gone = seen
    assert made.headers["authorization"] == "Bearer tok"
    assert made.headers["accept"] == "application/vnd.lockstate.v1+json"
    body = json.loads(made.content)
    assert body["type"] == "access_guest"
    assert body["attributes"] == {"name": "B261205-ABC", "pin": code.pin,
                                  "starts_at": "2026-12-05T10:00:00",
                                  "ends_at": "2026-12-05T12:00:00"}  # fmt: skip
    assert access.url.path == "/access_persons/ap-1/accesses"
    assert json.loads(access.content)["attributes"] == {
        "accessible_id": "lock-9", "accessible_type": "lock"
    }  # fmt: skip
    assert (gone.method, gone.url.path) == ("DELETE", "/access_persons/ap-1")
    assert code.ref == "ap-1"


def test_configured_lock_is_local_unless_remotelock_is_set(monkeypatch):
    locks = module("locks")
    monkeypatch.delenv("MACHI_BOOKING_REMOTELOCK_TOKEN", raising=False)
    assert isinstance(locks.configured_lock(), locks.LocalLock)
    monkeypatch.setenv("MACHI_BOOKING_REMOTELOCK_TOKEN", "t")
    assert isinstance(locks.configured_lock(), locks.RemoteLockAdapter)


HEADER = "名称,名称_カナ,住所,緯度,経度,電話番号,利用可能曜日,開始時間,終了時間,バリアフリー情報\n"


def test_read_the_open_data_format_and_refuse_bad_rows(tmp_path):
    importer = module("importer")
    items = importer.read_facilities(importer.Path(module("demo").DEMO_CSV))
    assert [i["name"] for i in items][:1] == ["市民会館 会議室A"]
    assert items[0]["weekdays"] == "123456"  # 火-日
    assert items[0]["opens"] == 540
    assert items[0]["closes"] == 1260
    assert items[0]["barrier_free"] is True
    assert items[2]["barrier_free"] is False  # なし
    assert importer.parse_weekdays("月,水,金") == "024"
    assert importer.parse_weekdays("土日祝") == "56"
    assert importer.parse_weekdays("金～月") == "0456"
    sjis = (HEADER + "体育館,タイイクカン,武雄市1,33.1,130.0,0954,毎日,9:00,17:00,\n").encode(
        "cp932"
    )
    assert importer.read_facilities(sjis)[0]["closes"] == 1020
    bad = HEADER + "体育館,,武雄市1,north,130.0,,月曜,9:00,8:00,\n,,x,,,,,,,\n"
    with pytest.raises(importer.FacilityImportError) as error:
        importer.read_facilities(bad.encode())
    text = str(error.value)
    for words in ("row 2, 緯度", "row 2, 終了時間", "row 3, 名称"):
        assert words in text
    with pytest.raises(importer.FacilityImportError):
        importer.read_facilities("名称\n体育館\n".encode())  # no 住所 column


async def test_import_command_adds_then_updates_keeping_staff_settings(db, tmp_path):
    cli, queries, actions = module("cli"), module("queries"), module("actions")
    path = tmp_path / "facilities.csv"
    path.write_text(HEADER + "体育館,タイイクカン,武雄市1,33.1,130.0,0954,毎日,9:00,17:00,\n")
    await cli.import_facilities.callback(str(path))
    (found,) = await queries.search()
    await actions.save_facility({"fee_resident": 800}, found["id"])
    path.write_text(HEADER + "体育館,タイイクカン,武雄市1,33.1,130.0,0954-1,毎日,8:00,17:00,\n")
    await cli.import_facilities.callback(str(path))
    (again,) = await queries.search()
    assert again["id"] == found["id"]
    assert again["opens"] == 480
    assert again["phone"] == "0954-1"
    assert again["fee_resident"] == 800
    path.write_text(HEADER + "体育館,,武雄市1,,,,毎週,9:00,17:00,\n")
    with pytest.raises(click.ClickException):
        await cli.import_facilities.callback(str(path))
    assert (await queries.search())[0]["opens"] == 480  # nothing changed


async def test_demo_loads_once(db):
    demo, queries = module("demo"), module("queries")
    assert await demo.load_demo()
    assert await demo.load_demo() == []
    facilities = await queries.search()
    assert len(facilities) == 3
    assert len(await queries.lotteries()) == 1


async def test_a_lock_service_down_delays_the_code_not_the_booking(room, monkeypatch):
    actions, locks, queries, rules = (module(n) for n in ("actions", "locks", "queries", "rules"))

    class Down(locks.LocalLock):
        async def issue(self, *args, **kwargs):
            raise httpx.ConnectError("lock service unreachable")

    monkeypatch.setattr(actions, "configured_lock", Down)
    order = await actions.book("r1", room["id"], rules.today() + dt.timedelta(days=2), [600],
                               claims={})  # fmt: skip
    await actions.set_payment("r1", order["number"], "paid")
    assert (await queries.order(order["number"]))["payment"] == "paid"
    assert await queries.door_code(order["id"]) is None
    monkeypatch.setattr(actions, "configured_lock", locks.LocalLock)
    assert (await actions.confirm(order["number"]))["pin"]
