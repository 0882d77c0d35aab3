"""Verbs of disaster operations: switch the mode, open shelters, run safety checks.

Each verb is one transaction with its audit entry; the live event and the broadcast go out after
the commit (a broadcast that fails still leaves the mode switched and the failure logged).
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from piccolo.engine.sqlite import TransactionType

from shell.audit.actions import record
from shell.disaster import queries
from shell.disaster.tables import ModeChange, SafetyAnswer, SafetyCheck, Shelter
from shell.notifications import api as notifications
from shell.web import live
from shell.web.i18n import lazy

log = logging.getLogger("machi.disaster")

STATUSES = ("safe", "need_help")
PLACES = ("home", "shelter", "relatives", "car", "other")
MAX_HOUSEHOLD = 30


class Refused(Exception):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def transaction() -> Any:
    """A write transaction; on SQLite it takes the write lock at BEGIN (IMMEDIATE), so a read
    followed by a write never fails with "database is locked" against another writer."""
    db = ModeChange._meta.db
    if db.engine_type == "sqlite":
        return db.transaction(transaction_type=TransactionType.immediate)
    return db.transaction()


async def _broadcast(
    title: str,
    body: str,
    urgency: str,
    params: dict[str, object] | None = None,
    url: str = "/disaster",
) -> None:
    try:
        await notifications.notify_accounts(
            await queries.all_account_ids(),
            title=title,
            body=body,
            url=url,
            topic="disaster",
            source=queries.SOURCE,
            urgency=urgency,
            params=params,
        )
    except Exception:  # the mode is switched either way; the failure must be seen in the log
        log.exception("disaster broadcast failed")


async def switch_mode(
    municipality_code: str,
    *,
    active: bool,
    reason: str,
    source: str,
    actor: int | None,
    report: int | None = None,
    ip: str = "",
) -> int:
    """Switch disaster mode on or off; returns the new history row's id."""
    reason = reason.strip()
    if source not in ("staff", "jma"):
        raise Refused("bad_source")
    if active and not reason:
        raise Refused("no_reason")
    if len(reason) > 500:
        raise Refused("reason_too_long")
    async with transaction():
        current = await queries.mode(municipality_code)
        if active and current:
            raise Refused("already_on")
        if not active and not current:
            raise Refused("already_off")
        rows = await ModeChange.insert(
            ModeChange(
                municipality_code=municipality_code,
                active=active,
                reason=reason,
                source=source,
                actor=actor,
                report=report,
            )
        ).returning(ModeChange.id)
        await record(
            "disaster.mode_on" if active else "disaster.mode_off",
            actor=actor,
            subject=f"municipality:{municipality_code}",
            detail={"reason": reason, "source": source, "report": report},
            ip=ip,
        )
    await live.publish(live.CITY, "disaster-mode", {"active": active})
    if active:
        await _broadcast(
            lazy("【災害モード】%(reason)s"),
            lazy(
                "避難所、安否確認、緊急連絡先をアプリで確認できます。身の安全を確保してください。"
            ),
            "high",
            {"reason": reason},
        )
    else:
        await _broadcast(
            lazy("災害モードを終了しました"),
            lazy("通常の表示に戻りました。引き続き市からの情報に注意してください。"),
            "normal",
        )
    return int(rows[0]["id"])


async def set_shelter_open(shelter_id: int, is_open: bool, *, actor: int, ip: str = "") -> None:
    async with transaction():
        updated = (
            await Shelter.update({Shelter.is_open: is_open})
            .where(Shelter.id == shelter_id)
            .returning(Shelter.name)
        )
        if not updated:
            raise Refused("no_shelter")
        await record(
            "disaster.shelter_opened" if is_open else "disaster.shelter_closed",
            actor=actor,
            subject=f"shelter:{shelter_id}",
            ip=ip,
        )
    await live.publish(live.CITY, "disaster-mode", {"shelters": True})


async def start_check(title: str, *, actor: int, ip: str = "") -> int:
    title = title.strip()
    if not title:
        raise Refused("no_title")
    if len(title) > 200:
        raise Refused("title_too_long")
    async with transaction():
        if await queries.open_check():
            raise Refused("check_open")
        rows = await SafetyCheck.insert(SafetyCheck(title=title, started_by=actor)).returning(
            SafetyCheck.id
        )
        check_id = int(rows[0]["id"])
        await record("disaster.check_started", actor=actor, subject=f"check:{check_id}", ip=ip)
    await live.publish(live.CITY, "safety-check", {"check": check_id, "open": True})
    await _broadcast(
        lazy("安否確認: %(title)s"),
        lazy("無事かどうか、アプリから2回のタップで答えてください。"),
        "high",
        {"title": title},
        url=f"/disaster/checks/{check_id}",  # a tap on the notification, a tap on the answer
    )
    return check_id


async def close_check(check_id: int, *, actor: int, ip: str = "") -> None:
    async with transaction():
        closed = (
            await SafetyCheck.update({SafetyCheck.closed_at: _now()})
            .where((SafetyCheck.id == check_id) & SafetyCheck.closed_at.is_null())
            .returning(SafetyCheck.id)
        )
        if not closed:
            raise Refused("check_closed")
        await record("disaster.check_closed", actor=actor, subject=f"check:{check_id}", ip=ip)
    await live.publish(live.CITY, "safety-check", {"check": check_id, "open": False})


async def answer(
    check_id: int,
    account_id: int,
    *,
    status: str,
    place: str = "",
    shelter: int | None = None,
    household: int | None = None,
    keep_details: bool = False,
) -> None:
    """Record (or change) this resident's answer; the first answer's time is kept.

    ``keep_details``: the two-tap answer changes only safe / need help, never the optional
    details the resident gave before.
    """
    if status not in STATUSES:
        raise Refused("bad_status")
    if place and place not in PLACES:
        raise Refused("bad_place")
    if household is not None and not 1 <= household <= MAX_HOUSEHOLD:
        raise Refused("bad_household")
    if place != "shelter":
        shelter = None
    now = _now()
    async with transaction():
        found = await queries.check(check_id)
        if not found:
            raise Refused("no_check")
        if found["closed_at"] is not None:
            raise Refused("check_closed")
        if shelter is not None and not await Shelter.exists().where(Shelter.id == shelter):
            raise Refused("no_shelter")
        key = f"{check_id}:{account_id}"
        existing = await SafetyAnswer.exists().where(SafetyAnswer.key == key)
        inserted: list[dict[str, Any]] = []
        if not existing:
            inserted = (
                await SafetyAnswer.insert(
                    SafetyAnswer(
                        key=key,
                        safety_check=check_id,
                        account=account_id,
                        status=status,
                        place=place,
                        shelter=shelter,
                        household=household,
                        answered_at=now,
                        updated_at=now,
                    )
                )
                .on_conflict(action="DO NOTHING")
                .returning(SafetyAnswer.id)
            )
        if not inserted:  # answered before (or a moment ago from another device): update it
            values: dict[Any, Any] = {SafetyAnswer.status: status, SafetyAnswer.updated_at: now}
            if not keep_details:
                values[SafetyAnswer.place] = place
                values[SafetyAnswer.shelter] = shelter
                values[SafetyAnswer.household] = household
            await SafetyAnswer.update(values).where(SafetyAnswer.key == key)
    await live.publish(f"disaster.check.{check_id}", "safety-answer", {"check": check_id})


async def exported(check_id: int, *, actor: int, rows: int, ip: str = "") -> None:
    await record(
        "disaster.answers_exported",
        actor=actor,
        subject=f"check:{check_id}",
        detail={"rows": rows},
        ip=ip,
    )


async def viewed(check_id: int, *, actor: int, ip: str = "") -> None:
    await record("disaster.answers_viewed", actor=actor, subject=f"check:{check_id}", ip=ip)
