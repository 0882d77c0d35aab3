"""The pre-interview questionnaire and interview booking: answering, booking a slot, a taken slot
refused with a clear message (also when two book at the same moment), rescheduling, cancelling."""

from __future__ import annotations

import asyncio
import datetime as dt

import pytest
from machi_sdk.testing import FakeShell, MemoryPlatform, miniapp_client

from .conftest import module, token

actions = module("actions")
tables = module("tables")
ANSWERS = {
    "stage": "pregnancy",
    "first_child": "yes",
    "health": "good",
    "sleep": "no",
    "helper": "yes",
    "topics": ["childcare", "money"],
    "worries": "上の子の保育所",
}


async def slots(count: int = 3) -> list[int]:
    start = dt.datetime.now(dt.UTC).replace(microsecond=0) + dt.timedelta(days=2)
    await actions.add_slots("staff", start, count, 30, "保健センター 相談室")
    return [s["id"] for s in await actions.free_slots()]


async def test_questionnaire_then_booking_then_reschedule(
    db, web, shell: FakeShell, platform: MemoryPlatform
):
    ids = await slots()
    async with miniapp_client(web, token(shell)) as client:
        missing = await client.post("/questionnaire", data={"stage": "pregnancy", "health": "good"})
        assert missing.status_code == 422
        assert "答えていない質問があります" in missing.text
        assert 'value="good" checked' in missing.text  # what was answered is kept
        sent = await client.post("/questionnaire", data=ANSWERS)
        assert sent.status_code == 200
        assert "アンケートを送りました" in sent.text
        booked = await client.post("/interviews", data={"slot": ids[0], "stage": "pregnancy"})
        assert "面談を予約しました" in booked.text
        assert platform.kpis == {"questionnaires_online": 1, "interviews_booked": 1}
        twice = await client.post("/interviews", data={"slot": ids[1]})
        assert "予約済みの面談があります" in twice.text
        mine = (await actions.my_interviews("mother"))[0]
        moved = await client.post(f"/interviews/{mine['id']}/reschedule", data={"slot": ids[1]})
        assert "面談の日時を変更しました" in moved.text
    async with miniapp_client(web, token(shell, "someone")) as other:
        taken = await other.post("/interviews", data={"slot": ids[1]})
        assert taken.status_code == 409
        assert "その面談の枠はほかの方が予約しました" in taken.text
        freed = await other.post("/interviews", data={"slot": ids[0]})  # let go by rescheduling
        assert "面談を予約しました" in freed.text
    row = await tables.HandbookInterview.select().where(tables.HandbookInterview.owner == "mother")
    assert row[0]["slot"] == ids[1]
    assert row[0]["questionnaire"] is not None


async def test_cancel_lets_the_slot_go(db, web, shell: FakeShell):
    ids = await slots(1)
    async with miniapp_client(web, token(shell)) as client:
        await client.post("/interviews", data={"slot": ids[0]})
        mine = (await actions.my_interviews("mother"))[0]
        done = await client.post(f"/interviews/{mine['id']}/cancel")
        assert "面談の予約を取り消しました" in done.text
    assert [s["id"] for s in await actions.free_slots()] == ids


async def test_two_residents_booking_one_slot_at_once_get_one_booking(db):
    (slot,) = await slots(1)
    results = await asyncio.gather(
        *(actions.book(f"resident-{n}", slot) for n in range(6)), return_exceptions=True
    )
    booked = [r for r in results if isinstance(r, dict)]
    refused = [r for r in results if isinstance(r, actions.Refused)]
    assert len(booked) == 1
    assert len(refused) == 5
    assert {r.reason for r in refused} == {"slot_taken"}
    assert await tables.HandbookInterview.count() == 1


@pytest.mark.parametrize(
    "form",
    [
        {"stage": "nope", **{k: v for k, v in ANSWERS.items() if k != "stage"}},
        {**ANSWERS, "health": "great"},
    ],
)
def test_bad_answers_are_refused(form):
    values = {k: v if isinstance(v, list) else [v] for k, v in form.items()}
    with pytest.raises(module("questionnaire").Invalid):
        module("questionnaire").clean(form["stage"], values)
