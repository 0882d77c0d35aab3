"""The resident's and the librarian's pages over HTTP: make a card, search, hold, the counter
checks the copy in for the hold, the resident is notified and sees it ready; refusals; staff
only; English; recommendations without anyone else's history."""

from __future__ import annotations

import html
import re

from machi_sdk.testing import miniapp_client

from .conftest import module

actions = module("actions")
jobs = module("jobs")
queries = module("queries")
tables = module("tables")
HARRY = "isbn:9784915512377"


def token(shell, sub="resident-1", *, roles=(), locale="ja", scopes=("notify",)):
    return shell.token("library", sub=sub, scopes=scopes, roles=roles, locale=locale)


def text(page) -> str:
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page.text)))


async def test_card_search_hold_checkin_notice(catalogue, web, shell, platform):
    harry = catalogue["title"][HARRY]
    async with miniapp_client(web, token(shell), htmx=True) as me:
        assert "図書館カードをつくる" in text(await me.get("/"))
        made = await me.post(
            "/card", data={"group": "junior_high", "school": str(catalogue["branch"]["jhs"])}
        )
        assert made.status_code == 200
        number = re.search(r'data-testid="library-card-number">(\d{10})<', made.text).group(1)
        assert 'data-testid="library-barcode"' in made.text
        assert "style=" not in made.text
        found = await me.get("/search", params={"q": "けんじゃのいし"})
        assert f'href="/titles/{harry}"' in found.text
        page = await me.get(f"/titles/{harry}")
        assert "市立図書館" in text(page)
        assert "中学校図書館" in text(page)
    # someone borrows both copies first (at the counter)
    await actions.issue_card("resident-2")
    other = (await actions.patron("resident-2"))["card_number"]
    librarian = token(shell, "staff-1", roles=("librarian",))
    main, jhs = catalogue["branch"]["main"], catalogue["branch"]["jhs"]
    async with miniapp_client(web, librarian, htmx=True) as desk:
        for barcode, branch in (("C001", main), ("J001", jhs)):
            out = await desk.post(
                "/staff/checkout", data={"card": other, "barcode": barcode, "branch": str(branch)}
            )
            assert out.status_code == 200
            assert "貸し出しました" in text(out)
    async with miniapp_client(web, token(shell), htmx=True) as me:
        held = await me.post(f"/titles/{harry}/hold", data={"pickup": str(jhs)})
        assert held.status_code == 200
        assert "予約しました" in text(held)
        twice = await me.post(f"/titles/{harry}/hold", data={"pickup": str(jhs)})
        assert twice.status_code == 422
        assert "もう予約しています" in text(twice)
        assert "順番待ち: 1番目" in text(await me.get("/me"))
    async with miniapp_client(web, librarian, htmx=True) as desk:
        back = await desk.post("/staff/checkin", data={"barcode": "J001", "branch": str(jhs)})
        assert back.status_code == 200
        assert 'data-result="ready"' in back.text
        assert "お知らせしました" in text(back)
        queue = await desk.get("/staff")
        assert number in text(queue)  # the holds queue shows the card number
    assert [n["resident"] for n in platform.notifications] == ["resident-1"]
    assert "中学校図書館でお受け取りいただけます" in platform.notifications[0]["body"]
    assert platform.notifications[0]["url"] == "/me"
    async with miniapp_client(web, token(shell), htmx=True) as me:
        mine = await me.get("/me")
        assert 'data-testid="library-hold-ready"' in mine.text
    assert await jobs.send_notices(platform.platform) == 0  # sent once only
    assert platform.kpis["app_users"] == 1
    assert platform.kpis["loans"] == 2
    assert platform.kpis["searches"] == 1
    assert platform.kpis["school_searches"] == 1
    actions_audited = [a["action"] for a in platform.audits]
    assert "library.loan.checkout" in actions_audited
    assert "library.hold.ready" in actions_audited
    returned = next(a for a in platform.audits if a["action"] == "library.loan.return")
    assert returned["subject"] == "resident-2"  # whose loan it was, before it forgot them


async def test_bad_input_at_the_counter_changes_nothing(catalogue, web, shell):
    patron, _ = await actions.issue_card("resident-1")
    wrong = patron["card_number"][:-1] + str((int(patron["card_number"][-1]) + 3) % 10)
    main = catalogue["branch"]["main"]
    async with miniapp_client(web, token(shell, "staff", roles=("librarian",)), htmx=True) as desk:
        page = await desk.post(
            "/staff/checkout", data={"card": wrong, "barcode": "C004", "branch": str(main)}
        )
        assert page.status_code == 422
        assert "チェック数字が合いません" in text(page)
        page = await desk.post("/staff/checkin", data={"barcode": "ZZZ", "branch": str(main)})
        assert page.status_code == 422
        assert "その資料番号の本はありません" in text(page)
    assert await tables.LibraryLoan.count() == 0


async def test_only_librarians_use_the_counter(catalogue, web, shell):
    patron, _ = await actions.issue_card("resident-1")
    async with miniapp_client(web, token(shell), htmx=True) as me:
        assert (await me.get("/staff")).status_code == 403
        done = await me.post(
            "/staff/checkout",
            data={"card": patron["card_number"], "barcode": "C004", "branch": "1"},
        )
        assert done.status_code == 403
    assert await tables.LibraryLoan.count() == 0


async def test_renewal_refused_when_someone_waits_over_http(catalogue, web, shell):
    a, _ = await actions.issue_card("resident-1")
    await actions.issue_card("resident-2")
    main = catalogue["branch"]["main"]
    await actions.check_out(a["card_number"], "C004", main)
    await actions.place_hold("resident-2", catalogue["title"]["id:b-4"], main)
    (loan,) = await queries.loans(a["id"])
    async with miniapp_client(web, token(shell), htmx=True) as me:
        page = await me.post(f"/loans/{loan['id']}/renew")
        assert page.status_code == 422
        assert "待っている方がいるため" in text(page)
    assert (await queries.loans(a["id"]))[0]["due_on"] == loan["due_on"]


async def test_lists_and_recommendations(catalogue, web, shell, platform):
    async with miniapp_client(web, token(shell, "staff", roles=("librarian",)), htmx=True) as desk:
        bad = await desk.post(
            "/staff/lists",
            data={"age_group": "teen", "heading": "夏の本", "items": "9784915512377\n0000000000"},
        )
        assert bad.status_code == 422
        assert "見つからない本があります" in text(bad)
        ok = await desk.post(
            "/staff/lists",
            data={
                "age_group": "teen",
                "heading": "夏の本",
                "note": "司書のおすすめ",
                "items": "978-4-915512-37-7",
            },
        )
        assert ok.status_code == 200
    await actions.issue_card("resident-1")
    await actions.update_settings(
        "resident-1", history_on=False, children_ages=[13], group="adult", school=None
    )
    async with miniapp_client(web, token(shell), htmx=True) as me:
        page = text(await me.get("/"))
    assert "夏の本" in page
    assert "ハリー・ポッターと賢者の石" in page
    assert platform.kpis["recommendations_shown"] == 1


async def test_co_borrowing_needs_three_people_and_names_no_one(catalogue):
    main = catalogue["branch"]["main"]
    cat, bocchan = catalogue["title"]["id:b-2"], catalogue["title"]["id:b-5"]
    for i in range(3):
        me, _ = await actions.issue_card(f"reader-{i}")
        await actions.update_settings(
            f"reader-{i}", history_on=True, children_ages=[], group="adult", school=None
        )
        for barcode in ("C002", "C005"):
            await actions.check_out(me["card_number"], barcode, main)
            await actions.check_in(barcode, main)
        if i == 1:
            await jobs.compute_related()
            assert not await tables.LibraryRelated.exists().where(
                tables.LibraryRelated.reason == "borrowed"
            )  # two people are not enough
    await jobs.compute_related()
    pair = (
        await tables.LibraryRelated.select()
        .where((tables.LibraryRelated.title == cat) & (tables.LibraryRelated.other == bocchan))
        .first()
    )
    assert pair["reason"] == "borrowed"
    assert set(pair) == {"id", "key", "title", "other", "score", "reason"}
    newcomer, _ = await actions.issue_card("newcomer")
    await actions.keep("newcomer", cat)
    assert next(t["id"] for t in await queries.recommended_for(newcomer)) == bocchan


async def test_english(catalogue, web, shell):
    await actions.issue_card("resident-en")
    async with miniapp_client(web, token(shell, "resident-en", locale="en"), htmx=True) as me:
        page = text(await me.get("/me"))
    assert "My library" in page
    assert "Holds" in page


async def test_librarian_cancels_a_hold_and_the_copy_passes_on(catalogue, web, shell, platform):
    main = catalogue["branch"]["main"]
    title = catalogue["title"]["id:b-2"]
    first, _ = await actions.issue_card("resident-1")
    second, _ = await actions.issue_card("resident-2")
    await actions.place_hold("resident-1", title, main)
    await actions.place_hold("resident-2", title, main)
    (ready,) = await queries.holds(first["id"])
    assert ready["status"] == "ready"
    async with miniapp_client(web, token(shell, "staff", roles=("librarian",)), htmx=True) as desk:
        page = await desk.post(f"/staff/holds/{ready['id']}/cancel", data={"branch": str(main)})
        assert page.status_code == 200
        assert "予約を取り消しました" in text(page)
        again = await desk.post(f"/staff/holds/{ready['id']}/cancel", data={"branch": str(main)})
        assert again.status_code == 422
    assert await queries.holds(first["id"]) == []
    assert (await queries.holds(second["id"]))[0]["status"] == "ready"
    assert platform.audits[-1]["action"] == "library.hold.cancel"
    assert platform.audits[-1]["subject"] == "resident-1"


async def test_a_school_librarian_joins_a_school_and_works_only_there(catalogue, web, shell):
    es, main = catalogue["branch"]["es"], catalogue["branch"]["main"]
    reader, _ = await actions.issue_card("resident-1")
    city = token(shell, "city-librarian", roles=("librarian",))
    school = token(shell, "school-librarian", roles=("school_staff",))
    async with miniapp_client(web, school, htmx=True) as desk:
        page = await desk.get("/staff")
        assert 'data-testid="library-join-form"' in page.text
        assert 'data-testid="library-checkout-form"' not in page.text
        refused = await desk.post("/staff/checkin", data={"barcode": "E003", "branch": str(es)})
        assert refused.status_code == 422
        assert "ほかの図書館の操作はできません" in text(refused)
        assert (await desk.post("/staff/join-codes", data={"school": str(es)})).status_code == 403
    async with miniapp_client(web, city, htmx=True) as desk:
        page = await desk.post("/staff/join-codes", data={"school": str(es)})
        code = re.search(r"参加コード: ([A-Z0-9]{4}-[A-Z0-9]{4})", text(page)).group(1)
        assert (await desk.post("/staff/join-codes", data={"school": str(main)})).status_code == 422
    async with miniapp_client(web, school, htmx=True) as desk:
        wrong = await desk.post("/staff/join", data={"code": "AAAA-AAAA"})
        assert wrong.status_code == 422
        assert "参加コードが正しくない" in text(wrong)
        joined = await desk.post("/staff/join", data={"code": code.lower()})
        assert joined.status_code == 200
        assert "学校図書館に参加しました" in text(joined)
        counter = re.search(
            r'data-testid="library-counter-branch">(.*?)</select>', joined.text
        ).group(1)
        assert re.findall(r'<option value="(\d+)"', counter) == [str(es)]
        ok = await desk.post(
            "/staff/checkout",
            data={"card": reader["card_number"], "barcode": "E003", "branch": str(es)},
        )
        assert ok.status_code == 200
        away = await desk.post(
            "/staff/checkout",
            data={"card": reader["card_number"], "barcode": "C004", "branch": str(main)},
        )
        assert away.status_code == 422
    assert await tables.LibraryLoan.count() == 1
    async with miniapp_client(web, token(shell, "other", roles=("school_staff",))) as desk:
        again = await desk.post("/staff/join", data={"code": code})  # used once only
        assert again.status_code == 422
