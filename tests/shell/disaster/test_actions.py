"""Disaster verbs: switching the mode (history kept, audited, live, broadcast), safety answers."""

from __future__ import annotations

import datetime as dt

import pytest

from shell.audit.tables import AuditEntry
from shell.city.tables import District
from shell.disaster import actions, queries
from shell.disaster.tables import ModeChange, SafetyAnswer
from shell.identity.tables import Account
from shell.notifications.queries import text_in
from shell.notifications.tables import InboxItem, Message
from tests.shell.disaster.conftest import next_event

CODE = "4120600"


async def resident(name: str = "武雄 花子", district: str = "takeo", language: str = "ja") -> int:
    found = await District.select(District.id).where(District.code == district).first()
    rows = await Account.insert(
        Account(
            name=name,
            name_kana="たけお はなこ",
            birth_date=dt.date(1950, 1, 1),
            district=found["id"],
            language=language,
            webauthn_user_id=f"test-{name}",
        )
    ).returning(Account.id)
    return int(rows[0]["id"])


async def test_switching_on_and_off_keeps_history_audits_and_tells_open_pages(
    db, districts, jobs, city_events
):
    hanako = await resident()
    lan = await resident("Nguyen Thi Lan", "asahi", "en")
    await actions.switch_mode(CODE, active=True, reason="大雨のため", source="staff", actor=hanako)
    assert (await next_event(city_events)).data == {"active": True}
    mode = await queries.mode(CODE)
    assert (mode["reason"], mode["source"]) == ("大雨のため", "staff")
    # Everyone is told at the highest urgency, each in their own language.
    message = await Message.select().first()
    assert (message["urgency"], message["topic"]) == ("high", "disaster")
    assert "大雨のため" in text_in(message["texts"], "ja")["title"]
    assert text_in(message["texts"], "en")["title"] != text_in(message["texts"], "ja")["title"]
    assert await InboxItem.count().where(InboxItem.message == message["id"]) == 2
    assert {lan, hanako} == {row["account"] for row in await InboxItem.select(InboxItem.account)}

    await actions.switch_mode(CODE, active=False, reason="", source="staff", actor=hanako)
    assert (await next_event(city_events)).data == {"active": False}
    assert await queries.mode(CODE) is None
    history = await queries.history(CODE)
    assert [row["active"] for row in history] == [False, True]  # newest first, nothing deleted
    assert history[0]["actor_name"] == "武雄 花子"
    audited = [row["action"] for row in await AuditEntry.select().order_by(AuditEntry.id)]
    assert audited == ["disaster.mode_on", "disaster.mode_off"]


@pytest.mark.parametrize(
    ("active", "reason", "refusal"),
    [(True, "", "no_reason"), (True, "x" * 501, "reason_too_long"), (False, "", "already_off")],
)
async def test_bad_switches_are_refused_and_change_nothing(db, districts, active, reason, refusal):
    with pytest.raises(actions.Refused) as refused:
        await actions.switch_mode(CODE, active=active, reason=reason, source="staff", actor=None)
    assert refused.value.reason == refusal
    assert await ModeChange.count() == 0
    assert await Message.count() == 0


async def test_switching_on_twice_is_refused(db, districts, jobs):
    await actions.switch_mode(CODE, active=True, reason="台風", source="staff", actor=None)
    with pytest.raises(actions.Refused, match="already_on"):
        await actions.switch_mode(CODE, active=True, reason="台風", source="staff", actor=None)
    assert await ModeChange.count() == 1


async def test_one_answer_per_resident_updated_in_place_keeping_the_first_time(
    db, districts, jobs, shelters, channels
):
    from shell.web import live

    hanako = await resident()
    check_id = await actions.start_check("7月10日 大雨", actor=hanako)
    told = await Message.select().where(Message.source == queries.SOURCE).first()
    assert told["url"] == f"/disaster/checks/{check_id}"
    assert told["urgency"] == "high"
    async with live.subscription([f"disaster.check.{check_id}"], plugin=channels) as answers:
        await actions.answer(check_id, hanako, status="need_help", keep_details=True)
        assert (await next_event(answers)).event == "safety-answer"
        first = await queries.answer_of(check_id, hanako)
        await actions.answer(
            check_id, hanako, status="need_help", place="shelter", shelter=shelters[0]["id"],
            household=3,
        )  # fmt: skip
        # The two-tap answer later changes the status only; the details stay.
        await actions.answer(check_id, hanako, status="safe", keep_details=True)
        assert (await next_event(answers)).event == "safety-answer"
    assert await SafetyAnswer.count() == 1
    final = await queries.answer_of(check_id, hanako)
    assert (final["status"], final["place"], final["household"]) == ("safe", "shelter", 3)
    assert final["shelter"] == shelters[0]["id"]
    assert final["answered_at"] == first["answered_at"]
    assert final["updated_at"] > first["answered_at"]


@pytest.mark.parametrize(
    ("fields", "refusal"),
    [
        ({"status": "fine"}, "bad_status"),
        ({"status": "safe", "place": "moon"}, "bad_place"),
        ({"status": "safe", "household": 0}, "bad_household"),
        ({"status": "safe", "household": 31}, "bad_household"),
        ({"status": "safe", "place": "shelter", "shelter": 999999}, "no_shelter"),
    ],
)
async def test_bad_answers_are_refused_and_store_nothing(db, districts, jobs, fields, refusal):
    hanako = await resident()
    check_id = await actions.start_check("確認", actor=hanako)
    with pytest.raises(actions.Refused) as refused:
        await actions.answer(check_id, hanako, **fields)
    assert refused.value.reason == refusal
    assert await SafetyAnswer.count() == 0


async def test_a_closed_check_takes_no_answers_and_only_one_check_runs_at_a_time(
    db, districts, jobs
):
    hanako = await resident()
    check_id = await actions.start_check("確認", actor=hanako)
    with pytest.raises(actions.Refused, match="check_open"):
        await actions.start_check("もう一つ", actor=hanako)
    await actions.close_check(check_id, actor=hanako)
    with pytest.raises(actions.Refused, match="check_closed"):
        await actions.answer(check_id, hanako, status="safe")
    assert await queries.open_check() is None


async def test_answers_are_counted_by_district(db, districts, jobs):
    hanako = await resident()
    taro = await resident("山内 太郎", "yamauchi")
    await resident("山内 次郎", "yamauchi")
    check_id = await actions.start_check("確認", actor=hanako)
    await actions.answer(check_id, hanako, status="safe")
    await actions.answer(check_id, taro, status="need_help")
    rows = {row["name"]: row for row in await queries.by_district(check_id)}
    assert (rows["武雄町"]["safe"], rows["武雄町"]["unanswered"]) == (1, 0)
    assert (rows["山内町"]["need_help"], rows["山内町"]["unanswered"]) == (1, 1)
