"""Children's records through the app's pages: registering a child, entries, impossible
measurements refused, sharing with a second guardian by invitation code (and no one else), and
the offline sync storing an entry once however often it is sent."""

from __future__ import annotations

import datetime as dt
from typing import Any

from babel.dates import format_skeleton
from machi_sdk.testing import FakeShell, MemoryPlatform, miniapp_client

from .conftest import module, token

actions = module("actions")
tables = module("tables")


def ago(days: int) -> str:
    return (actions.today() - dt.timedelta(days=days)).isoformat()


async def add_child(client: Any, name: str = "はな", born_days_ago: int = 120) -> int:
    response = await client.post(
        "/children",
        data={"name": name, "sex": "F", "birth_date": ago(born_days_ago), "birth_weight_g": "3000"},
    )
    assert response.status_code == 200, response.text
    assert "お子さんを登録しました" in response.text
    return (await tables.HandbookChild.select().where(tables.HandbookChild.name == name).first())[
        "id"
    ]


async def test_parent_records_and_impossible_values_change_nothing(
    db, web, shell: FakeShell, platform: MemoryPlatform
):
    async with miniapp_client(web, token(shell)) as client:
        child = await add_child(client)
        assert platform.kpis == {"children_registered": 1}
        ok = await client.post(
            f"/children/{child}/records",
            data={"kind": "measurement", "day": ago(0), "height_cm": "61.5", "weight_kg": "6.2"},
        )
        assert ok.status_code == 200
        assert "61.5 cm" in ok.text
        assert "6.2 kg" in ok.text
        # 62 kg at four months is a typing slip, not a measurement: refused, nothing stored
        bad = await client.post(
            f"/children/{child}/records",
            data={"kind": "measurement", "day": ago(0), "weight_kg": "62"},
        )
        assert bad.status_code == 422
        assert "この月齢ではありえない体重です" in bad.text
        too_tall = await client.post(
            f"/children/{child}/records",
            data={"kind": "checkup", "stage": "3_4m", "day": ago(0), "height_cm": "95"},
        )
        assert "この月齢ではありえない身長です" in too_tall.text
        before = await client.post(
            f"/children/{child}/records", data={"kind": "illness", "day": ago(400), "title": "かぜ"}
        )
        assert "生まれる前の日付は入れられません" in before.text
        ill = await client.post(
            f"/children/{child}/records",
            data={"kind": "illness", "day": ago(3), "title": "突発性発疹"},
        )
        assert "突発性発疹" in ill.text
        milestone = await client.post(
            f"/children/{child}/records",
            data={"kind": "milestone", "day": ago(1), "title": "首がすわった"},
        )
        assert "首がすわった" in milestone.text
    rows = await tables.HandbookRecord.select().where(tables.HandbookRecord.child == child)
    assert sorted(r["kind"] for r in rows) == ["illness", "measurement", "milestone"]


async def test_only_the_guardians_named_see_a_child(db, web, shell: FakeShell):
    async with miniapp_client(web, token(shell, "mother")) as mother:
        child = await add_child(mother)
        await mother.post(
            f"/children/{child}/records", data={"kind": "illness", "day": ago(2), "title": "中耳炎"}
        )
        shared = await mother.post(f"/children/{child}/invite")
        code = shared.text.split('data-testid="handbook-invite-code">')[1].split("<")[0]
    async with miniapp_client(web, token(shell, "stranger")) as stranger:
        for path in (f"/children/{child}", f"/children/{child}/growth", f"/children/{child}/plan"):
            page = await stranger.get(path)
            assert page.status_code == 404
            assert "中耳炎" not in page.text
            assert "はな" not in page.text
        refused = await stranger.post(
            f"/children/{child}/records", data={"kind": "illness", "day": ago(1), "title": "x"}
        )
        assert refused.status_code == 404
        wrong = await stranger.post("/join", data={"code": "WRONG123"})
        assert "招待コードが正しくないか" in wrong.text
    async with miniapp_client(web, token(shell, "father")) as father:
        joined = await father.post("/join", data={"code": code.lower()})
        assert "お子さんの記録を共有しました" in joined.text
        assert "中耳炎" in (await father.get(f"/children/{child}")).text
    async with miniapp_client(web, token(shell, "grandma")) as other:
        again = await other.post("/join", data={"code": code})  # a code works once
        assert again.status_code == 422
        assert (await other.get(f"/children/{child}")).status_code == 404


async def test_an_offline_entry_synced_twice_is_stored_once(db, web, shell: FakeShell):
    async with miniapp_client(web, token(shell)) as client:
        child = await add_child(client)
        entry = {
            "client_key": "k-1f2e3d",
            "child": child,
            "kind": "measurement",
            "day": ago(1),
            "height_cm": "60.0",
            "weight_kg": "6.0",
        }
        bad = {
            "client_key": "k-bad",
            "child": child,
            "kind": "measurement",
            "day": ago(1),
            "weight_kg": "600",
        }
        first = await client.post("/sync", json={"entries": [entry, bad]})
        assert first.json() == {
            "stored": ["k-1f2e3d"],
            "refused": [{"client_key": "k-bad", "reason": "impossible_weight"}],
        }
        second = await client.post("/sync", json={"entries": [entry]})  # the answer was lost
        assert second.json()["stored"] == ["k-1f2e3d"]
        assert (await client.post("/sync", json={"nope": 1})).status_code == 400
    async with miniapp_client(web, token(shell, "stranger")) as stranger:
        theirs = await stranger.post("/sync", json={"entries": [{**entry, "client_key": "k-x"}]})
        assert theirs.json()["refused"] == [{"client_key": "k-x", "reason": "unknown_child"}]
    assert await tables.HandbookRecord.count() == 1


async def test_pregnancy_record(db, web, shell: FakeShell):
    async with miniapp_client(web, token(shell)) as client:
        none = await client.post("/pregnancy/checkups", data={"day": ago(0), "weight_kg": "55"})
        assert "先に出産予定日を登録してください" in none.text
        due = (actions.today() + dt.timedelta(days=120)).isoformat()
        saved = await client.post("/pregnancy", data={"due_date": due, "notes": "つわり軽め"})
        assert "保存しました" in saved.text
        assert "つわり軽め" in saved.text
        checkup = await client.post(
            "/pregnancy/checkups",
            data={"day": ago(0), "week": "22", "weight_kg": "55.5", "blood_pressure": "112/70"},
        )
        assert "55.5 kg" in checkup.text
        assert "112/70" in checkup.text
        heavy = await client.post("/pregnancy/checkups", data={"day": ago(0), "weight_kg": "555"})
        assert heavy.status_code == 422
    assert await tables.HandbookPregnancyCheckup.count() == 1


async def test_a_prenatal_checkup_made_offline_is_stored_once(db, web, shell: FakeShell):
    async with miniapp_client(web, token(shell)) as client:
        due = (actions.today() + dt.timedelta(days=90)).isoformat()
        await client.post("/pregnancy", data={"due_date": due})
        entry = {"type": "pregnancy_checkup", "client_key": "p-77aa", "day": ago(0),
                 "week": "28", "weight_kg": "58.5"}  # fmt: skip
        for _ in range(2):
            answer = await client.post("/sync", json={"entries": [entry]})
            assert answer.json() == {"stored": ["p-77aa"], "refused": []}
        page = await client.get("/pregnancy")
        assert "58.5 kg" in page.text
        assert "data-handbook-pregnancy=" in page.text  # kept on the device for offline use
    assert await tables.HandbookPregnancyCheckup.count() == 1


async def test_a_dose_before_its_earliest_day_is_recorded_and_flagged(db, web, shell: FakeShell):
    async with miniapp_client(web, token(shell)) as client:
        child = await add_child(client, born_days_ago=120)
        # 5-in-1 from the day 2 months are reached; 40 days after birth is well before it
        early = await client.post(
            f"/children/{child}/doses", data={"which": "dpt_ipv_hib:1", "given_on": ago(80)}
        )
        assert "記録しました。" in early.text
        assert "定期接種として受けられる日より前の日付です" in early.text
        assert 'data-dose="dpt_ipv_hib:1" data-status="flagged"' in early.text
        fine = await client.post(
            f"/children/{child}/doses", data={"which": "bcg:1", "given_on": ago(10)}
        )
        assert 'data-dose="bcg:1" data-status="done"' in fine.text
        unknown = await client.post(
            f"/children/{child}/doses", data={"which": "bcg:2", "given_on": ago(10)}
        )
        assert unknown.status_code == 422
    flags = {r["vaccine"]: r["flag"] for r in await tables.HandbookDose.select()}
    assert flags == {"dpt_ipv_hib": "too_early", "bcg": ""}


async def test_a_childs_birthday_and_age_in_the_readers_language(db, web, shell: FakeShell):
    born = actions.today() - dt.timedelta(days=400)  # 13 whole months whatever the month lengths
    baby = actions.today() - dt.timedelta(days=100)  # 3 whole months
    async with miniapp_client(web, token(shell)) as client:
        child = await add_child(client, born_days_ago=400)
        await add_child(client, "たろう", born_days_ago=100)
        japanese = (await client.get(f"/children/{child}")).text
        listed = (await client.get("/")).text
    async with miniapp_client(web, token(shell, locale="vi")) as client:
        vietnamese = (await client.get(f"/children/{child}")).text
        vietnamese_list = (await client.get("/")).text
    async with miniapp_client(web, token(shell, locale="en")) as client:
        english = (await client.get("/")).text
    # Japanese pages: the era, as the handbook itself writes it, and 1歳1か月
    assert f"令和{born.year - 2018}年{born.month}月{born.day}日" in japanese
    assert "1歳1か月" in japanese
    assert "3か月" in listed
    # Vietnamese: Babel's date, the age in Vietnamese words, no ISO date and no "1 y 1 m"
    assert format_skeleton("yMMMd", born, locale="vi") in vietnamese
    assert "1 tuổi 1 tháng" in vietnamese
    assert "3 tháng" in vietnamese_list
    assert f">{born.isoformat()}" not in vietnamese
    assert " y " not in vietnamese
    # English plurals: one year, one month; three months
    assert "1 year 1 month" in english
    assert "3 months" in english
    assert format_skeleton("yMMMd", baby, locale="en") in english
