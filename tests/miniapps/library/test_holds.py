"""Holds in one fair queue per title across branches, the counter (check-out, return, transit),
renewals, expiry; every refusal changes nothing."""

from __future__ import annotations

import datetime as dt

import pytest

from .conftest import module

actions = module("actions")
queries = module("queries")
tables = module("tables")
card = module("card")
HARRY = "isbn:9784915512377"
T0 = dt.datetime(2026, 11, 1, 9, 0, tzinfo=dt.UTC)
DAY = dt.date(2026, 11, 2)


async def snapshot() -> tuple:
    return (
        await tables.LibraryHold.select(),
        await tables.LibraryLoan.select(),
        await tables.LibraryCopy.select(),
    )


async def people(n: int) -> list[dict]:
    return [(await actions.issue_card(f"resident-{i}"))[0] for i in range(n)]


async def test_cards_are_numbered_with_a_valid_check_digit(catalogue):
    first, created = await actions.issue_card("resident-a")
    again, created_again = await actions.issue_card("resident-a")
    second, _ = await actions.issue_card("resident-b")
    assert created
    assert not created_again
    assert again["card_number"] == first["card_number"]
    assert card.validate(first["card_number"]) == first["card_number"] == "1000000016"
    assert int(second["card_number"][:-1]) == int(first["card_number"][:-1]) + 1


async def test_fair_queue_across_branches_and_transit(catalogue):
    a, b, c = await people(3)
    main, jhs, es = (catalogue["branch"][k] for k in ("main", "jhs", "es"))
    harry = catalogue["title"][HARRY]
    # both copies are lent, so holds wait
    await actions.check_out(c["card_number"], "C001", main, on=DAY)
    await actions.check_out(c["card_number"], "J001", jhs, on=DAY)
    hb = await actions.place_hold("resident-1", harry, es, now=T0)  # b, picks up at a school
    ha = await actions.place_hold("resident-0", harry, main, now=T0 + dt.timedelta(minutes=1))
    assert [h["id"] for h in await actions.queue(harry)] == [hb, ha]
    assert await queries.position(hb) == 1
    assert await queries.position(ha) == 2
    # the junior-high copy comes back first: it goes to b (first in line), in transit to es
    done = await actions.check_in("J001", jhs, on=DAY)
    assert done["hold"]["id"] == hb
    assert done["hold"]["status"] == "transit"
    # a scan at the wrong branch changes nothing; at es, the hold is ready
    assert (await actions.check_in("J001", main, on=DAY))["hold"]["status"] == "transit"
    ready = await actions.check_in("J001", es, on=DAY)
    assert ready["hold"]["status"] == "ready"
    hold_b = await tables.LibraryHold.select().where(tables.LibraryHold.id == hb).first()
    assert hold_b["keep_until"] == DAY + dt.timedelta(days=7)
    # only b may borrow it now
    before = await snapshot()
    with pytest.raises(actions.Refused, match="held_for_another"):
        await actions.check_out(a["card_number"], "J001", es, on=DAY)
    assert await snapshot() == before
    await actions.check_out(b["card_number"], "J001", es, on=DAY)
    assert [h["id"] for h in await actions.queue(harry)] == [ha]
    # the main copy comes back at main: ready at once for a
    assert (await actions.check_in("C001", main, on=DAY))["hold"]["id"] == ha
    assert (await queries.holds(a["id"]))[0]["status"] == "ready"


async def test_a_shelf_copy_is_set_aside_at_once(catalogue):
    (a,) = await people(1)
    main = catalogue["branch"]["main"]
    await actions.place_hold("resident-0", catalogue["title"]["id:b-2"], main, now=T0)
    (hold,) = await queries.holds(a["id"])
    assert hold["status"] == "ready"
    copy = await tables.LibraryCopy.select().where(tables.LibraryCopy.barcode == "C002").first()
    assert copy["status"] == "held"


async def test_refusals_change_nothing(catalogue):
    a, _b = await people(2)
    main = catalogue["branch"]["main"]
    harry = catalogue["title"][HARRY]
    nowhere = (
        await tables.LibraryTitle.insert(
            tables.LibraryTitle(key="id:none", title="どこにもない本", search_text="")
        ).returning(tables.LibraryTitle.id)
    )[0]["id"]
    await actions.place_hold("resident-0", harry, main, now=T0)
    before = await snapshot()
    cases = [
        (actions.place_hold("resident-0", nowhere, main, now=T0), "held_nowhere"),
        (actions.place_hold("resident-0", harry, main, now=T0), "already_held"),
        (actions.place_hold("resident-0", harry, 99999, now=T0), "unknown_branch"),
        (actions.place_hold("stranger", harry, main, now=T0), "no_card"),
        (
            actions.check_out(
                a["card_number"][:-1] + str((int(a["card_number"][-1]) + 1) % 10), "C004", main
            ),
            "bad_check_digit",
        ),
        (actions.check_out("12345", "C004", main), "bad_card_format"),
        (actions.check_out(card.make_number(555555555), "C004", main), "unknown_card"),
        (actions.check_out(a["card_number"], "NOPE", main), "unknown_copy"),
        (actions.check_in("NOPE", main), "unknown_copy"),
        (actions.cancel_hold("resident-1", 1), "unknown_hold"),
    ]
    for call, reason in cases:
        with pytest.raises(actions.Refused) as exc:
            await call
        assert exc.value.reason == reason
    assert await snapshot() == before


async def test_renewal_refused_when_someone_waits(catalogue):
    a, _b = await people(2)
    main = catalogue["branch"]["main"]
    loan = await actions.check_out(a["card_number"], "C004", main, on=DAY)
    assert loan["due_on"] == DAY + dt.timedelta(days=14)
    (mine,) = await queries.loans(a["id"])
    due = await actions.renew("resident-0", mine["id"], on=DAY + dt.timedelta(days=3))
    assert due == DAY + dt.timedelta(days=28)
    with pytest.raises(actions.Refused, match="renewed_already"):
        await actions.renew("resident-0", mine["id"], on=DAY + dt.timedelta(days=4))
    loan2 = await actions.check_out(a["card_number"], "C005", main, on=DAY)
    assert loan2
    await actions.place_hold("resident-1", catalogue["title"]["id:b-5"], main, now=T0)
    (row,) = [x for x in await queries.loans(a["id"]) if x["title"] == catalogue["title"]["id:b-5"]]
    before = await snapshot()
    with pytest.raises(actions.Refused, match="someone_waiting"):
        await actions.renew("resident-0", row["id"], on=DAY)
    assert await snapshot() == before
    with pytest.raises(actions.Refused, match="unknown_loan"):
        await actions.renew("resident-1", row["id"], on=DAY)  # not theirs


async def test_return_forgets_the_borrower_and_history_is_opt_in(catalogue):
    (a,) = await people(1)
    main = catalogue["branch"]["main"]
    await actions.check_out(a["card_number"], "C004", main, on=DAY)
    await actions.check_in("C004", main, on=DAY)
    loan = await tables.LibraryLoan.select().first()
    assert loan["patron"] is None
    assert loan["returned_on"] == DAY
    assert await tables.LibraryHistory.count() == 0
    await actions.update_settings(
        "resident-0", history_on=True, children_ages=[4], group="adult", school=None
    )
    await actions.check_out(a["card_number"], "C004", main, on=DAY)
    assert len(await queries.history(a["id"])) == 1
    await actions.update_settings(
        "resident-0", history_on=False, children_ages=[], group="adult", school=None
    )
    assert await tables.LibraryHistory.count() == 0


async def test_uncollected_hold_expires_and_passes_on(catalogue):
    a, b = await people(2)
    main = catalogue["branch"]["main"]
    title = catalogue["title"]["id:b-2"]
    await actions.place_hold("resident-0", title, main, now=T0)
    await actions.place_hold("resident-1", title, main, now=T0 + dt.timedelta(minutes=1))
    assert (await queries.holds(a["id"]))[0]["status"] == "ready"
    assert await actions.expire_holds(dt.date.today() + dt.timedelta(days=30)) == 1
    assert await queries.holds(a["id"]) == []
    assert (await queries.holds(b["id"]))[0]["status"] == "ready"


async def test_due_reminder_once_and_demo_data(catalogue):
    jobs, demo = module("jobs"), module("demo")
    from machi_sdk.testing import MemoryPlatform

    memory = MemoryPlatform("library")
    (a,) = await people(1)
    await actions.check_out(a["card_number"], "C004", catalogue["branch"]["main"], on=DAY)
    due = DAY + dt.timedelta(days=14)
    early = dt.datetime(2026, 11, 10, 1, 0, tzinfo=dt.UTC)  # more than two days before
    assert await jobs.send_notices(memory.platform, now=early) == 0
    soon = dt.datetime.combine(due - dt.timedelta(days=2), dt.time(1, 0), tzinfo=dt.UTC)
    assert await jobs.send_notices(memory.platform, now=soon) == 1
    assert await jobs.send_notices(memory.platform, now=soon) == 0  # once only
    (notice,) = memory.notifications
    assert notice["resident"] == "resident-0"
    assert notice["title"] == "返却期限が近づいています"
    assert "11月16日" in notice["body"]
    assert await demo.load_demo() == []  # a catalogue is there already: nothing added


async def test_demo_data_loads_once(db):
    demo = module("demo")
    lines = await demo.load_demo()
    assert "imported 17 demo titles" in lines[0]
    assert await tables.LibraryList.count() == 2
    assert await demo.load_demo() == []


async def test_a_school_library_adds_and_withdraws_its_own_copies(catalogue):
    es, main = catalogue["branch"]["es"], catalogue["branch"]["main"]
    cat = catalogue["title"]["id:b-2"]
    a, b = await people(2)
    await actions.check_out(a["card_number"], "C002", main, on=DAY)
    await actions.check_out(b["card_number"], "C005", main, on=DAY)
    await actions.place_hold("resident-0", catalogue["title"]["id:b-5"], es, now=T0)
    # a new copy at the school goes straight to the waiting hold picked up there
    copy = await actions.add_copy(str(catalogue["title"]["id:b-5"]), "E-NEW", es, "913")
    hold = (await queries.holds(a["id"]))[0]
    assert (hold["status"], hold["title"]) == ("ready", catalogue["title"]["id:b-5"])
    assert copy["barcode"] == "E-NEW"
    before = await snapshot()
    for call, reason in [
        (actions.add_copy(str(cat), "C002", es), "barcode_taken"),
        (actions.add_copy("9780000000002", "E-X", es), "unknown_title"),
        (actions.add_copy(str(cat), "  ", es), "bad_barcode"),
        (actions.withdraw_copy("C002", es), "other_branch"),
        (actions.withdraw_copy("C002", main), "not_on_shelf"),
        (actions.withdraw_copy("E-NEW", es), "not_on_shelf"),
    ]:
        with pytest.raises(actions.Refused) as exc:
            await call
        assert exc.value.reason == reason
    assert await snapshot() == before
    # the elementary school's only copy of 銀河鉄道の夜, withdrawn: the title is held nowhere now
    await actions.withdraw_copy("E003", es)
    assert [c["barcode"] for c in await queries.collection(es)] == ["E-NEW"]
    with pytest.raises(actions.Refused, match="held_nowhere"):
        await actions.place_hold("resident-0", catalogue["title"]["id:b-3"], es, now=T0)
    with pytest.raises(actions.Refused, match="unknown_copy"):
        await actions.check_in("E003", es)
    assert (await queries.titles([catalogue["title"]["id:b-3"]]))[0]["copies"] == 0
