"""Read disaster mode, shelters, notices, safety checks and answers."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from piccolo.query.functions.aggregate import Count

from shell.city.tables import District
from shell.db import Prepared
from shell.disaster.tables import JmaReport, ModeChange, SafetyAnswer, SafetyCheck, Shelter
from shell.identity.tables import Account
from shell.notifications.queries import text_in
from shell.notifications.tables import Message

SOURCE = "disaster"  # the notifications' source for everything this area sends


async def mode(municipality_code: str) -> dict[str, Any] | None:
    """The latest change when disaster mode is on; ``None`` when it is off."""
    latest = await latest_change(municipality_code)
    return latest if latest and latest["active"] else None


# read for every page's banner: the SQL is built once (shell.db.Prepared)
_latest_change = Prepared(
    lambda code: (
        ModeChange.select()
        .where(ModeChange.municipality_code == code)
        .order_by(ModeChange.id, ascending=False)
        .first()
    )
)


async def latest_change(municipality_code: str) -> dict[str, Any] | None:
    return await _latest_change(municipality_code)  # type: ignore[no-any-return]


async def history(municipality_code: str, limit: int = 20) -> list[dict[str, Any]]:
    return (
        await ModeChange.select(
            *ModeChange.all_columns(), ModeChange.actor.name.as_alias("actor_name")
        )
        .where(ModeChange.municipality_code == municipality_code)
        .order_by(ModeChange.id, ascending=False)
        .limit(limit)
    )


async def shelters(*, open_only: bool = False) -> list[dict[str, Any]]:
    query = Shelter.select().order_by(Shelter.position).order_by(Shelter.id)
    if open_only:
        query = query.where(Shelter.is_open.eq(True))
    return await query


async def notices(language: str, limit: int = 5) -> list[dict[str, Any]]:
    """The latest city-wide disaster messages this area sent, in ``language``."""
    rows = (
        await Message.select(Message.id, Message.texts, Message.url, Message.sent_at)
        .where((Message.topic == "disaster") & (Message.source == SOURCE))
        .order_by(Message.id, ascending=False)
        .limit(limit)
    )
    return [{**text_in(row["texts"], language), "sent_at": row["sent_at"]} for row in rows]


def _report(row: dict[str, Any]) -> dict[str, Any]:
    kinds = row["kinds"]
    return {**row, "kinds": json.loads(kinds) if isinstance(kinds, str) else kinds}


async def reports(limit: int = 30) -> list[dict[str, Any]]:
    """The latest imported JMA documents that concern this city (drills and cancellations too;
    a feed lists every office's documents, and those for other areas are left out)."""
    rows = (
        await JmaReport.select()
        .where(JmaReport.decision != "not_here")
        .order_by(JmaReport.id, ascending=False)
        .limit(limit)
    )
    return [_report(row) for row in rows]


async def latest_acted_report(area_code: str) -> dict[str, Any] | None:
    """The newest real report that spoke about this area (what is in force now)."""
    row = (
        await JmaReport.select()
        .where(
            (JmaReport.area_code == area_code)
            & JmaReport.decision.is_in(ACTED)
            & JmaReport.reported_at.is_not_null()  # PostgreSQL puts NULL first when descending
        )
        .order_by(JmaReport.reported_at, ascending=False)
        .order_by(JmaReport.id, ascending=False)
        .first()
    )
    return _report(row) if row else None


# Decisions of reports that set what is in force here.
ACTED: Sequence[str] = ("recorded", "noticed", "mode_on", "cleared")


async def open_check() -> dict[str, Any] | None:
    return (
        await SafetyCheck.select()
        .where(SafetyCheck.closed_at.is_null())
        .order_by(SafetyCheck.id, ascending=False)
        .first()
    )


async def check(check_id: int) -> dict[str, Any] | None:
    return await SafetyCheck.select().where(SafetyCheck.id == check_id).first()


async def checks(limit: int = 20) -> list[dict[str, Any]]:
    return await SafetyCheck.select().order_by(SafetyCheck.id, ascending=False).limit(limit)


async def answer_of(check_id: int, account_id: int) -> dict[str, Any] | None:
    return await SafetyAnswer.select().where(SafetyAnswer.key == f"{check_id}:{account_id}").first()


async def answers(check_id: int, *, status: str = "") -> list[dict[str, Any]]:
    """The answers (of ``status``, when given) with who gave them and their district: personal,
    so audit who reads them."""
    query = (
        SafetyAnswer.select(
            SafetyAnswer.id,
            SafetyAnswer.status,
            SafetyAnswer.place,
            SafetyAnswer.household,
            SafetyAnswer.answered_at,
            SafetyAnswer.updated_at,
            SafetyAnswer.shelter.name.as_alias("shelter_name"),
            SafetyAnswer.account.id.as_alias("account_id"),
            SafetyAnswer.account.name.as_alias("name"),
            SafetyAnswer.account.district.name.as_alias("district"),
            SafetyAnswer.account.district.position.as_alias("district_position"),
        )
        .where(SafetyAnswer.safety_check == check_id)
        .order_by(SafetyAnswer.updated_at, ascending=False)
    )
    if status:
        query = query.where(SafetyAnswer.status == status)
    return await query


async def answer_count(check_id: int) -> int:
    return await SafetyAnswer.count().where(SafetyAnswer.safety_check == check_id)


async def by_district(check_id: int) -> list[dict[str, Any]]:
    """Per district: residents, safe, need help, not yet answered (counted by the database)."""
    districts = await District.select().order_by(District.position)
    residents = {
        row["district"]: row["count"]
        for row in await Account.select(Account.district, Count()).group_by(Account.district)
    }
    answered: dict[tuple[int, str], int] = {
        (row["district"], row["status"]): row["count"]
        for row in await SafetyAnswer.select(
            SafetyAnswer.account.district.as_alias("district"), SafetyAnswer.status, Count()
        )
        .where(SafetyAnswer.safety_check == check_id)
        .group_by(SafetyAnswer.account.district, SafetyAnswer.status)
    }
    rows = []
    for d in districts:
        safe = answered.get((d["id"], "safe"), 0)
        need_help = answered.get((d["id"], "need_help"), 0)
        total = residents.get(d["id"], 0)
        rows.append(
            {
                "name": d["name"],
                "residents": total,
                "safe": safe,
                "need_help": need_help,
                "unanswered": max(total - safe - need_help, 0),
            }
        )
    return rows


async def all_account_ids() -> list[int]:
    return [row["id"] for row in await Account.select(Account.id)]
