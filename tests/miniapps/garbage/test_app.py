"""The garbage calendar on a database (SQLite, and PostgreSQL when configured) and over HTTP."""

from __future__ import annotations

import datetime as dt
import html
import json
import re
import shutil

import pytest
from icalendar import Calendar
from machi_sdk.testing import miniapp_client

from .conftest import module

actions = module("actions")
queries = module("queries")
importer = module("importer")
reminders = module("reminders")
tables = module("tables")

JST = dt.timezone(dt.timedelta(hours=9))


def fold_has(name: str, query: str) -> bool:
    fold = module("text").fold
    return fold(query) in fold(name)


async def imajuku() -> dict:
    return await queries.find_area("今宿町")


async def test_import_reads_every_area_item_and_extra_column(saga):
    assert saga == {"areas": 314, "categories": 4, "rules": 2512, "items": 270}
    area = await imajuku()
    extra = json.loads(area["extra"]) if isinstance(area["extra"], str) else area["extra"]
    assert extra == {"列8": "D"}
    assert area["master_name"] == "佐賀地区あ行"
    assert await tables.GarbagePause.count() == 1


async def test_worked_example_from_the_database(saga):
    labels = {c["id"]: c["label"] for c in await queries.categories()}
    found = await queries.month_dates(await imajuku(), 2021, 1)
    by_label = {labels[c]: [d.day for d in days] for c, days in found.items()}
    assert by_label == {
        "燃えるごみ": [4, 7, 11, 14, 18, 21, 25, 28],
        "資源物（紙・布類、ビン・缶）": [15],
        "燃えないごみ": [8, 22],
        "ペットボトル": [6, 20],
    }


async def test_reimport_keeps_residents_areas_and_staff_dates(saga, saga_folder):
    area = await imajuku()
    await actions.choose_area("subject-a", area["id"])
    burnable = (await queries.categories())[0]["id"]
    await actions.add_date(area["id"], burnable, dt.date(2021, 1, 30))
    await actions.import_5374(importer.read_folder(saga_folder))
    assert (await queries.subscription("subject-a"))["area"] == area["id"]
    found = await queries.month_dates(await imajuku(), 2021, 1)
    assert dt.date(2021, 1, 30) in found[burnable]
    assert await tables.GarbageArea.count() == 314


async def test_a_malformed_folder_is_reported_cell_by_cell_and_changes_nothing(
    saga, saga_folder, tmp_path
):
    bad = tmp_path / "bad"
    shutil.copytree(saga_folder, bad)
    text = (bad / "area_days.csv").read_text().splitlines()
    text[1] = text[1].replace("月 木", "月 祝").replace("金1 金3", "金1 2021013")
    (bad / "area_days.csv").write_text("\n".join(text) + "\n")
    with pytest.raises(importer.ImportError5374) as caught:
        importer.read_folder(bad)
    problems = [str(p) for p in caught.value.problems]
    assert problems == [
        "area_days.csv row 2, column 4 (燃えるごみ): '月 祝': 祝: not a weekday (月…日),"
        " an n-th weekday (金1) or a date (YYYYMMDD)",
        "area_days.csv row 2, column 5 (資源物（紙・布類、ビン・缶）): '金1 2021013': 2021013:"
        " not a weekday (月…日), an n-th weekday (金1) or a date (YYYYMMDD)",
    ]
    assert await tables.GarbageRule.count() == 2512


async def test_dictionary_finds_any_part_in_kana_or_kanji(saga):
    for query in ("ペット", "ぺっと", "ﾍﾟｯﾄ"):
        items, closest = await queries.search_items(query)
        names = [i["name"] for i in items]
        assert "ペットボトル" in names, (query, names)
        assert all(fold_has(n, query) for n in names[:3]), names
        assert not closest
    items, _ = await queries.search_items("傘")
    assert any("傘" in i["name"] for i in items)
    assert all(i["category_label"] for i in items)


async def test_dictionary_answers_plain_words_with_the_closest_entries(saga):
    items, closest = await queries.search_items("古いフライパンを捨てたい")
    assert closest
    assert items
    assert "フライパン" in items[0]["name"]
    assert await queries.search_items("zzzz") == ([], True)


async def test_reminders_sent_once_for_chosen_categories(saga, platform):
    area = await imajuku()
    cats = {c["label"]: c["id"] for c in await queries.categories()}
    await actions.choose_area("subject-a", area["id"])
    await actions.set_reminders(
        "subject-a", on=True, timing="evening", categories=[cats["燃えるごみ"]], locale="en"
    )
    await actions.choose_area("subject-b", area["id"])
    await actions.set_reminders(
        "subject-b", on=True, timing="morning", categories=[cats["ペットボトル"]]
    )
    # Sunday 2021-01-03 at 19:00 in Japan: Monday 1/4 is a burnable day.
    evening = dt.datetime(2021, 1, 3, 19, 0, tzinfo=JST)
    assert await reminders.send_reminders(platform.platform, evening) == 1
    assert await reminders.send_reminders(platform.platform, evening) == 0  # at least once: again
    assert [n["resident"] for n in platform.notifications] == ["subject-a"]
    assert "今宿町" in platform.notifications[0]["body"]
    # Wednesday 1/6 morning: PET bottles for the morning subscriber only.
    morning = dt.datetime(2021, 1, 6, 7, 0, tzinfo=JST)
    assert await reminders.send_reminders(platform.platform, morning) == 1
    assert platform.notifications[-1]["resident"] == "subject-b"
    # Noon: nothing is due.
    assert (
        await reminders.send_reminders(platform.platform, dt.datetime(2021, 1, 6, 12, tzinfo=JST))
        == 0
    )


async def test_reminder_refusals_change_nothing(saga):
    burnable = (await queries.categories())[0]["id"]
    with pytest.raises(actions.Refused, match="no_area"):
        await actions.set_reminders("subject-c", on=True, timing="evening", categories=[burnable])
    area = await imajuku()
    await actions.choose_area("subject-c", area["id"])
    with pytest.raises(actions.Refused, match="unknown_category"):
        await actions.set_reminders("subject-c", on=True, timing="evening", categories=[999999])
    with pytest.raises(actions.Refused, match="bad_timing"):
        await actions.set_reminders("subject-c", on=True, timing="noon", categories=[])
    assert (await queries.subscription("subject-c"))["reminders"] is False


def token(shell, sub="resident-1", *, scopes=("notify",), roles=(), locale="ja"):
    return shell.token("garbage", sub=sub, scopes=scopes, roles=roles, locale=locale)


async def test_pick_area_then_see_today_calendar_and_dictionary(saga, web, shell, platform):
    async with miniapp_client(web, token(shell), htmx=True) as client:
        page = await client.get("/")
        assert "お住まいの地区を選んでください" in page.text
        found = await client.get("/areas", params={"q": "今宿"})
        area_id = re.search(r'name="area_id" value="(\d+)"', found.text)[1]
        assert "今宿町" in found.text
        bad = await client.post("/area", data={"area_id": "999999"})
        assert bad.status_code == 422
        assert "その地区は見つかりません" in bad.text
        chosen = await client.post("/area", data={"area_id": area_id})
        assert chosen.status_code == 200
        assert 'data-testid="garbage-area-name">今宿町' in chosen.text
        cal = await client.get("/calendar", params={"month": "2021-01"})
        cells = re.findall(
            r'data-date="(2021-01-\d\d)">\s*<span class="garbage-day">\d+</span>\s*(.*?)</td>',
            cal.text,
            re.S,
        )
        marked = {day[-2:] for day, body in cells if "garbage-mark" in body}
        assert marked == {
            "04",
            "06",
            "07",
            "08",
            "11",
            "14",
            "15",
            "18",
            "20",
            "21",
            "22",
            "25",
            "28",
        }
        results = await client.get(
            "/dictionary", params={"q": "ペット"}, headers={"HX-Target": "dictionary-results"}
        )
        assert "ペットボトル" in results.text
    assert platform.kpis.get("calendar_uses", 0) >= 2


async def test_english_resident_reads_categories_in_english(saga, web, shell):
    area = await imajuku()
    await actions.choose_area("resident-en", area["id"])
    async with miniapp_client(web, token(shell, "resident-en", locale="en"), htmx=True) as client:
        cal = await client.get("/calendar", params={"month": "2021-01"})
    assert "Burnable" in cal.text
    assert "January 2021" in cal.text


async def test_reminders_need_notify(saga, web, shell):
    area = await imajuku()
    await actions.choose_area("resident-1", area["id"])
    async with miniapp_client(web, token(shell, scopes=()), htmx=True) as client:
        burnable = str((await queries.categories())[0]["id"])
        form = {"on": "1", "timing": "evening", "category": burnable}
        refused = await client.post("/reminders", data=form)
    assert refused.status_code == 403
    assert (await queries.subscription("resident-1"))["reminders"] is False


async def test_ical_feed_parses_back_and_its_address_can_be_renewed(saga, web, shell):
    area = await imajuku()
    await actions.choose_area("resident-1", area["id"])
    async with miniapp_client(web, token(shell), htmx=True) as client:
        page = await client.get("/feed")
        url = re.search(r'data-testid="garbage-feed-url">([^<]+)<', page.text)[1]
        path = url.split("garbage.localhost", 1)[1]
        async with miniapp_client(web) as anonymous:  # a calendar app has no launch token
            feed = await anonymous.get(path)
        assert feed.status_code == 200
        assert feed.headers["content-type"].startswith("text/calendar")
        cal = Calendar.from_ical(feed.content)
        events = [(e.decoded("dtstart"), str(e.get("summary"))) for e in cal.walk("VEVENT")]
        today = dt.datetime.now(JST).date()
        burnable = sorted(d for d, s in events if s == "燃えるごみ")
        assert burnable
        assert all(d.weekday() in (0, 3) for d in burnable)
        assert min(d for d, _ in events) >= today - dt.timedelta(days=31)
        await client.post("/feed")
        async with miniapp_client(web) as anonymous:
            assert (await anonymous.get(path)).status_code == 404


async def test_offline_calendar_is_public_and_personal_pages_are_not(saga, web):
    area = await imajuku()
    async with miniapp_client(web) as anonymous:
        kept = await anonymous.get(f"/offline/{area['id']}")
        assert kept.status_code == 200
        assert "今宿町" in kept.text
        assert kept.text.count('data-testid="garbage-calendar"') == 3
        assert (await anonymous.post("/area", data={"area_id": str(area["id"])})).status_code == 401
        sw = await anonymous.get("/sw.js")
        assert sw.headers["service-worker-allowed"] == "/"


async def test_large_item_request_fee_date_and_number(saga, web, shell):
    await actions.set_fee("ソファー", 1000)
    await actions.set_fee("自転車", 500)
    fees = {f["name"]: f["id"] for f in await queries.fees()}
    today = dt.datetime.now(JST).date()
    offered = await actions.offered_dates(today)
    assert offered
    assert all(d.weekday() in (1, 3) for d in offered)
    async with miniapp_client(web, token(shell), htmx=True) as client:
        form = {
            f"qty-{fees['ソファー']}": "1",
            f"qty-{fees['自転車']}": "2",
            "date": offered[0].isoformat(),
        }
        booked = await client.post("/large", data=form)
        assert booked.status_code == 200
        assert 'data-testid="garbage-booked-total">2,000円<' in booked.text
        number = re.search(r'data-testid="garbage-booked-number">([^<]+)<', booked.text)[1]
        not_offered = {**form, "date": (today + dt.timedelta(days=1)).isoformat()}
        refused = await client.post("/large", data=not_offered)
        assert refused.status_code == 422
        assert "その日は選べません" in refused.text
        unknown = await client.post(
            "/large", data={"qty-999999": "1", "date": offered[0].isoformat()}
        )
        assert unknown.status_code == 422
        assert "料金表にない品目" in unknown.text
    rows = await tables.GarbageRequest.select()
    assert [(r["number"], r["total"], r["payment"]) for r in rows] == [
        (number, 2000, "at_collection")
    ]


async def test_staff_page_only_for_sanitation_staff(saga, web, shell):
    async with miniapp_client(web, token(shell), htmx=True) as resident:
        assert (await resident.get("/staff")).status_code == 403
        assert (
            await resident.post("/staff/fee", data={"name": "x", "fee": "1"})
        ).status_code == 403
    assert not await tables.GarbageFee.exists().where(tables.GarbageFee.name == "x")
    async with miniapp_client(
        web, token(shell, "staff-1", roles=["sanitation"]), htmx=True
    ) as staff:
        page = await staff.get("/staff")
        assert page.status_code == 200
        assert 'data-testid="garbage-kpi-areas">314<' in page.text
        bad = await staff.post(
            "/staff/pause",
            data={"center": "佐賀市清掃工場", "start": "2021-12-31", "end": "2021-12-29"},
        )
        assert bad.status_code == 422
        ok = await staff.post(
            "/staff/pause",
            data={"center": "佐賀市清掃工場", "start": "2021-12-29", "end": "2022-01-03"},
        )
        assert ok.status_code == 200
        assert (
            await staff.post("/staff/fee", data={"name": "たんす", "fee": "-5"})
        ).status_code == 422
    assert await tables.GarbagePause.count() == 2


async def test_large_item_reminder_the_evening_before_once(saga, platform):
    await actions.set_fee("たんす", 1000)
    fee = (await queries.fees())[0]
    today = dt.date(2021, 1, 4)
    day = (await actions.offered_dates(today))[0]
    booked = await actions.request_collection("subject-l", {fee["id"]: 1}, day, today=today)
    evening = dt.datetime.combine(day - dt.timedelta(days=1), dt.time(19), tzinfo=JST)
    assert await reminders.send_reminders(platform.platform, evening) == 1
    assert await reminders.send_reminders(platform.platform, evening) == 0
    (note,) = platform.notifications
    assert note["resident"] == "subject-l"
    assert booked["number"] in note["body"]
    assert note["url"] == "/large"


async def test_staff_imports_uploaded_5374_files_and_a_bad_file_changes_nothing(
    saga, web, shell, saga_folder
):
    staff = token(shell, "staff-1", roles=["sanitation"])
    files = [
        ("files", (path.name, path.read_bytes(), "text/csv"))
        for path in sorted(saga_folder.glob("*.csv"))
    ]
    broken = [
        (name, (fname, data.replace("水1 水3".encode(), "水1 水9".encode()), kind))
        if fname == "area_days.csv" else (name, (fname, data, kind))
        for name, (fname, data, kind) in files
    ]  # fmt: skip
    async with miniapp_client(web, staff, htmx=True) as client:
        refused = await client.post("/staff/import", files=broken)
        assert refused.status_code == 422
        assert "area_days.csv row 2, column 7 (ペットボトル): '水1 水9'" in html.unescape(
            refused.text
        )
        assert await tables.GarbageRule.count() == 2512
        done = await client.post("/staff/import", files=files)
        assert done.status_code == 200
        assert "取り込みました: 地区 314、品目 270" in done.text


async def test_the_district_suggests_an_area(saga, web, shell):
    claims = {"profile.district": "今宿町"}
    signed = shell.token("garbage", scopes=["profile.district"], claims=claims)
    async with miniapp_client(web, signed, htmx=True) as client:
        page = await client.get("/")
    assert "あなたの地区" in page.text
    assert re.search(r'data-testid="garbage-area-option">今宿町', page.text)


async def test_boot_page_links_the_app_styles(web):
    # the pages that follow are htmx fragments swapped into the boot page, without a <head>
    async with miniapp_client(web, headers={"Sec-Fetch-Dest": "iframe"}) as anonymous:
        boot = await anonymous.get("/calendar")
    assert boot.status_code == 200
    head = boot.text.split("</head>")[0]
    assert '<link rel="stylesheet" href="/static/garbage/garbage.css">' in head
    assert '<link rel="stylesheet" href="/categories.css">' in head
    assert "今宿町" not in boot.text


async def test_a_large_item_fee_is_paid_with_the_wallet_once_the_shell_says_so(
    saga, web, shell, platform
):
    await actions.set_fee("ソファー", 1000)
    fees = {f["name"]: f["id"] for f in await queries.fees()}
    day = (await actions.offered_dates(dt.datetime.now(JST).date()))[0]
    paying = token(shell, "payer-1", scopes=("notify", "wallet.pay"))
    async with miniapp_client(web, paying, htmx=True) as client:
        booked = await client.post(
            "/large", data={f"qty-{fees['ソファー']}": "1", "date": day.isoformat()}
        )
        number = re.search(r'data-testid="garbage-booked-number">([^<]+)<', booked.text)[1]
        assert platform.payments[number]["amount"] == 1000
        assert 'data-testid="garbage-pay"' in booked.text
        # The page claims it paid, but the shell has not moved the money: still unpaid.
        early = await client.post(f"/large/{number}/payment")
        assert "お支払い待ち" in early.text
        platform.payments[number]["status"] = "paid"
        paid = await client.post(f"/large/{number}/payment")
        assert "支払い済み" in paid.text
        assert 'data-testid="garbage-pay"' not in paid.text
        assert (await client.post("/large/NOPE-1/payment")).status_code == 404
    rows = await tables.GarbageRequest.select(tables.GarbageRequest.payment)
    assert [r["payment"] for r in rows] == ["paid"]
    assert len(platform.payments) == 1  # asked twice with one reference: one payment request
    # Without wallet.pay the fee is simply paid at collection.
    async with miniapp_client(web, token(shell, "cash-1"), htmx=True) as client:
        booked = await client.post(
            "/large", data={f"qty-{fees['ソファー']}": "1", "date": day.isoformat()}
        )
        assert "収集の日にお支払いください" in booked.text
