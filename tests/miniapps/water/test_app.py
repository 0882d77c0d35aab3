"""Linking accounts, the resident's pages, the staff screen, and the notices job, over HTTP on a
database (SQLite, and PostgreSQL when configured)."""

from __future__ import annotations

import datetime as dt
import html
import re

import pytest
from machi_sdk.testing import miniapp_client

from .conftest import SAMPLE_CSV, module

actions = module("actions")
importer = module("importer")
leak = module("leak")
queries = module("queries")
tables = module("tables")

HOME = ("1001-0001", "K7P4-2Q9M")
PARENTS = ("1001-0002", "M2Q8-7R3T")
LEAKY = ("1001-0003", "X9D3-5W1N")


@pytest.fixture(name="sample")
async def fx_sample(db):
    rows = importer.parse(SAMPLE_CSV.read_bytes(), importer.load_mapping())
    return await actions.import_bills(rows, SAMPLE_CSV.name)


def token(shell, sub="resident-1", *, scopes=("notify",), roles=(), locale="ja"):
    return shell.token("water", sub=sub, scopes=scopes, roles=roles, locale=locale)


def text(page) -> str:
    return html.unescape(re.sub(r"<[^>]+>", " ", page.text))


async def test_link_two_accounts_then_see_bills_chart_and_detail(sample, web, shell, platform):
    async with miniapp_client(web, token(shell), htmx=True) as client:
        assert "お客さま番号を登録する" in (await client.get("/")).text
        done = await client.post("/link", data={"customer_number": HOME[0], "code": HOME[1]})
        assert done.status_code == 200
        assert 'data-testid="water-linked"' in done.text
        # full-width input as typed on a Japanese keyboard is accepted too
        done = await client.post("/link", data={"customer_number": "１００１－０００２",
                                                "code": "m2q8-7r3t"})  # fmt: skip
        assert done.status_code == 200, text(done)
        assert text(done).count("お客さま番号 1001-000") == 2
        home = await queries.account_by_number(HOME[0])
        page = await client.get(f"/accounts/{home['id']}")
        assert page.status_code == 200
        body = text(page)
        assert 'data-testid="water-chart"' in page.text
        assert 'role="img"' in page.text
        assert "<title>2026年11月 20㎥</title>" in page.text  # a bar of the chart
        assert re.search(r"<th scope=\"row\">2026年11月</th><td>20㎥</td>", page.text)  # its row
        assert "今回（2026年11月検針分）: 20㎥" in body
        assert "昨年の同じ時期（2025年11月検針分）: 19㎥" in body
        # 13 mm households read 2026-11-15 besides this one: 41, 18, 26, 10 m3 -> 24 on average
        assert "同じ口径のご家庭の平均: 24㎥" in body
        assert 'data-testid="water-leak"' not in page.text
        bill_id = re.findall(r'href="/bills/(\d+)"', page.text)[0]
        detail = text(await client.get(f"/bills/{bill_id}"))
        latest = (await queries.bills(home["id"], limit=1))[0]
        assert f"請求金額 {latest['total']:,}円" in detail
        assert "前回 1447 → 今回 1467" in detail
        assert "未払いです。納期限は 2026年12月10日 です。" in detail
        assert f"{latest['water_charge']:,}円" in detail
        assert f"{latest['tax']:,}円" in detail
    # two looks at one account on one day: one phone inquiry saved, not two
    assert platform.kpis == {"accounts_linked": 2, "bill_lookups": 2, "calls_saved": 1}


async def test_english_pages(sample, web, shell):
    await actions.link("resident-en", *HOME)
    home = await queries.account_by_number(HOME[0])
    async with miniapp_client(web, token(shell, "resident-en", locale="en"), htmx=True) as client:
        page = text(await client.get(f"/accounts/{home['id']}"))
    assert "Same period last year" in page
    assert "¥" in page


async def test_a_wrong_code_and_an_unknown_number_get_the_same_answer(sample, web, shell):
    async with miniapp_client(web, token(shell), htmx=True) as client:
        wrong = await client.post("/link", data={"customer_number": HOME[0], "code": "AAAA-BBBB"})
        unknown = await client.post("/link", data={"customer_number": "9999-9999", "code": "X"})
        blank = await client.post("/link", data={"customer_number": "", "code": ""})
    assert wrong.status_code == unknown.status_code == 422
    message = lambda r: re.search(r'data-testid="water-error">([^<]+)<', r.text)[1]  # noqa: E731
    assert message(wrong) == message(unknown)
    assert "組み合わせが確認できませんでした" in message(wrong)
    assert "お客さま番号と照会コードを" in message(blank)
    assert await tables.WaterLink.count() == 0


async def test_guessing_is_stopped_after_five_wrong_codes(sample, web, shell):
    async with miniapp_client(web, token(shell, "guesser"), htmx=True) as client:
        for attempt in range(actions.MAX_FAILURES_PER_RESIDENT):
            r = await client.post(
                "/link", data={"customer_number": HOME[0], "code": f"0000-{attempt}"}
            )
            assert r.status_code == 422
        # even the right code is refused now, and the page says to wait or ask the counter
        locked = await client.post("/link", data={"customer_number": HOME[0], "code": HOME[1]})
    assert locked.status_code == 422
    assert "24時間は登録できません" in text(locked)
    assert await tables.WaterLink.count() == 0


async def test_many_residents_guessing_one_number_lock_that_number(sample):
    for n in range(actions.MAX_FAILURES_PER_NUMBER):
        with pytest.raises(actions.Refused, match="no_match"):
            await actions.link(f"someone-{n}", HOME[0], "WRONG")
    with pytest.raises(actions.Refused, match="locked"):
        await actions.link("owner", *HOME)
    later = dt.datetime.now(dt.UTC) + dt.timedelta(hours=25)
    assert await actions.link("owner", *HOME, now=later)


async def test_another_residents_account_and_bills_are_not_shown(sample, web, shell):
    await actions.link("owner", *HOME)
    home = await queries.account_by_number(HOME[0])
    bill = (await queries.bills(home["id"], limit=1))[0]
    async with miniapp_client(web, token(shell, "stranger"), htmx=True) as client:
        assert (await client.get(f"/accounts/{home['id']}")).status_code == 404
        assert (await client.get(f"/bills/{bill['id']}")).status_code == 404


async def test_the_leaking_account_shows_the_warning(sample, web, shell):
    await actions.link("resident-1", *LEAKY)
    acc = await queries.account_by_number(LEAKY[0])
    async with miniapp_client(web, token(shell), htmx=True) as client:
        page = await client.get(f"/accounts/{acc['id']}")
    assert 'data-testid="water-leak"' in page.text
    assert "今回の使用水量 41㎥" in text(page)
    assert "2025年11月検針分 13㎥" in text(page)
    assert "water-bar--leak" in page.text


def bill(m3: int, day: dt.date, months: int = 2, id: int = 0) -> dict:
    return {"id": id, "m3": m3, "reading_date": day, "months": months}


def test_leak_rule():
    now, year_ago, prev = dt.date(2026, 11, 15), dt.date(2025, 11, 15), dt.date(2026, 9, 15)
    # > 1.5 x last year AND at least 10 m3 more (two months)
    assert leak.suggests_leak(bill(31, now), [bill(20, year_ago), bill(30, prev)])
    assert not leak.suggests_leak(bill(30, now), [bill(20, year_ago)])  # exactly 1.5 x
    assert not leak.suggests_leak(bill(14, now), [bill(6, year_ago)])  # 2.3 x but only 8 m3 more
    assert leak.suggests_leak(bill(12, now, months=1), [bill(6, year_ago, months=1)])  # 6 >= 5
    # without a bill a year before, the previous bill is the comparison
    assert leak.suggests_leak(bill(40, now), [bill(20, prev)])
    assert not leak.suggests_leak(bill(40, now), [])


async def test_notices_new_bill_and_leak_once_each(sample, platform):
    await actions.link("resident-1", *HOME)
    await actions.link("resident-1", *LEAKY)
    await actions.link("resident-2", *PARENTS, locale="en")
    # Bills imported before linking are no news; the leaking latest bill is.
    assert await leak.send_notices(platform.platform) == 1
    assert [(n["resident"], n["title"], n["url"]) for n in platform.notifications] == [
        ("resident-1", "漏水の疑いがあります", f"/bills/{(await _latest(LEAKY))['id']}")
    ]
    assert "41㎥" in platform.notifications[0]["body"]
    assert platform.kpis == {"leak_alerts": 1}
    # A new bill posted after linking: one notice per linked resident, in their language.
    cells = SAMPLE_CSV.read_text(encoding="utf-8").splitlines()[24].split(",")  # 1001-0002 latest
    after = str(int(cells[6]) + 31)
    new = ["1001-0002", "M2Q8-7R3T", "20", "2026/11/15", "2027/01/15", cells[6], after,
           "0", "31", "2", "0", "0", "0", "0", "2027/02/10", "0"]  # fmt: skip
    q = module("tariff").quote(31, meter_mm=20, on=dt.date(2027, 1, 15))
    new[10:14] = [str(q.water.charge), str(q.sewerage.charge), str(q.tax), str(q.total)]
    header = SAMPLE_CSV.read_text(encoding="utf-8").splitlines()[0]
    rows = importer.parse(f"{header}\n{','.join(new)}\n".encode(), importer.load_mapping())
    await actions.import_bills(rows, "next.csv")
    assert await leak.send_notices(platform.platform) == 1
    assert platform.notifications[-1]["resident"] == "resident-2"
    assert platform.notifications[-1]["title"] == "New water bill"
    assert f"{q.total:,}" in platform.notifications[-1]["body"]
    assert await leak.send_notices(platform.platform) == 0  # at least once: run again
    assert len(platform.notifications) == 2


async def _latest(pair):
    acc = await queries.account_by_number(pair[0])
    return (await queries.bills(acc["id"], limit=1))[0]


async def test_staff_see_the_residents_screen_and_import_errors(sample, web, shell, platform):
    bad = importer.Problem.of(4, importer.NOT_NUMBER, column="水道料金", value="'三千'")
    await actions.record_run("broken.csv", ok=False, rows=0, problems=[bad])
    assert platform.audits == []
    async with miniapp_client(web, token(shell, "clerk", roles=("waterworks",)), htmx=True) as c:
        page = await c.get("/staff", params={"number": "１００１-０００３"})
        assert page.status_code == 200
        assert 'data-testid="water-staff-account"' in page.text
        assert 'data-testid="water-leak"' in page.text
        assert 'data-testid="water-chart"' in page.text
        body = text(page)
        assert "broken.csv" in body
        assert "4行目: 「水道料金」の '三千' は整数ではありません" in body
        assert "1001-0002" in body  # the flagged bill
        missing = await c.get("/staff", params={"number": "0000-0000"})
        assert missing.status_code == 404
        assert "そのお客さま番号はありません" in text(missing)
    # the look was written to the city's audit log before the screen was shown (nobody has
    # linked this account yet, so it is filed under the customer number); a miss writes nothing
    (look,) = platform.audits
    assert look["action"] == "account.view"
    assert look["roles"] == ["waterworks"]
    assert look["subject"] == "customer:1001-0003"
    staff_en = token(shell, "clerk", roles=("waterworks",), locale="en")
    async with miniapp_client(web, staff_en, htmx=True) as c:
        english = text(await c.get("/staff"))
    assert "Row 4" in english
    assert "水道料金 '三千' is not a whole number" in english
    async with miniapp_client(web, token(shell, "resident-1"), htmx=True) as client:
        denied = await client.get("/staff", params={"number": LEAKY[0]})
    assert denied.status_code == 403
    assert "water-staff-account" not in denied.text


async def test_linking_a_leaking_account_tells_at_once_and_the_job_not_again(
    sample, web, shell, platform
):
    async with miniapp_client(web, token(shell), htmx=True) as client:
        await client.post("/link", data={"customer_number": LEAKY[0], "code": LEAKY[1]})
        await client.post("/link", data={"customer_number": HOME[0], "code": HOME[1]})
    assert [(n["resident"], n["title"]) for n in platform.notifications] == [
        ("resident-1", "漏水の疑いがあります")
    ]
    assert await leak.send_notices(platform.platform) == 0


async def test_bill_as_pdf_for_its_owner_only(sample, web, shell):
    await actions.link("resident-1", *HOME)
    latest = await _latest(HOME)
    async with miniapp_client(web, token(shell), htmx=True) as client:
        page = await client.get(f"/bills/{latest['id']}")
        assert f'href="/bills/{latest["id"]}/pdf"' in page.text
        got = await client.get(f"/bills/{latest['id']}/pdf")
    assert got.status_code == 200
    assert got.headers["content-type"] == "application/pdf"
    assert 'filename="water-1001-0001-202611.pdf"' in got.headers["content-disposition"]
    pdf = got.content
    assert pdf.startswith(b"%PDF-1.4")
    assert pdf.rstrip().endswith(b"%%EOF")
    # the cross-reference table points at every object
    xref = int(pdf.rsplit(b"startxref", 1)[1].split()[0])
    entries = pdf[xref:].split(b"\n")[3:10]
    for number, entry in enumerate(entries, start=1):
        offset = int(entry.split()[0])
        assert pdf[offset:].startswith(b"%d 0 obj" % number)
    ucs2 = lambda s: "".join(f"{ord(c):04X}" for c in s).encode()  # noqa: E731
    assert ucs2("請求金額  6,720円") in pdf
    assert ucs2("お客さま番号  1001-0001") in pdf
    assert ucs2("未払い") in pdf
    async with miniapp_client(web, token(shell, "stranger"), htmx=True) as client:
        assert (await client.get(f"/bills/{latest['id']}/pdf")).status_code == 404


async def test_unlink_removes_only_that_account(sample, web, shell):
    await actions.link("resident-1", *HOME)
    await actions.link("resident-1", *PARENTS)
    parents = await queries.account_by_number(PARENTS[0])
    async with miniapp_client(web, token(shell), htmx=True) as client:
        page = await client.post(f"/accounts/{parents['id']}/unlink")
        assert page.status_code == 200
        assert "1001-0002" not in text(page)
        assert "1001-0001" in text(page)
        assert (await client.get(f"/accounts/{parents['id']}")).status_code == 404
    assert [a["customer_number"] for a in await queries.links("resident-1")] == ["1001-0001"]


async def test_only_staff_see_the_staff_link(sample, web, shell):
    async with miniapp_client(web, token(shell, roles=("waterworks",)), htmx=True) as client:
        assert 'data-testid="water-staff-link"' in (await client.get("/")).text
    async with miniapp_client(web, token(shell), htmx=True) as client:
        assert 'data-testid="water-staff-link"' not in (await client.get("/")).text


async def test_similar_households_need_three_others(sample):
    parents = await queries.account_by_number(PARENTS[0])  # the only 20 mm meter
    latest = (await queries.bills(parents["id"], limit=1))[0]
    assert await queries.similar_average(latest, 20) is None
    home = await queries.account_by_number(HOME[0])
    assert await queries.similar_average((await queries.bills(home["id"], limit=1))[0], 13) == 24
