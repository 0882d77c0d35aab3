"""The menu's unread count, read on every full page: right, and found from the unread copies
alone however many a resident has received over the years."""

from __future__ import annotations

import datetime as dt
import sqlite3
from typing import Any

from shell import db as machi_db
from shell.city.tables import District
from shell.identity.tables import Account
from shell.notifications import queries
from shell.notifications.tables import InboxItem, Message

YEARS_OF_NEWS = 2_000


async def _resident() -> int:
    district = await District.insert(
        District(name="本庄", name_kana="ほんじょう", code="d1")
    ).returning(District.id)
    row = Account(name="武雄 花子", name_kana="たけお はなこ", birth_date=dt.date(1950, 1, 1),
                  district=district[0]["id"], webauthn_user_id="w-unread")  # fmt: skip
    return int((await Account.insert(row).returning(Account.id))[0]["id"])


async def test_the_unread_count_reads_only_the_unread_copies(db: Any) -> None:
    account = await _resident()
    messages: list[int] = []
    for start in range(0, YEARS_OF_NEWS, 500):
        rows = [Message(kind="system", source="city", topic="events", texts={"ja": {"title": "t"}})
                for _ in range(start, min(YEARS_OF_NEWS, start + 500))]  # fmt: skip
        messages += [row["id"] for row in await Message.insert(*rows).returning(Message.id)]
    read_at = dt.datetime.now(dt.UTC)
    # four unread, one of them hidden by the resident; the rest read long ago
    copies = [
        InboxItem(
            message=message_id,
            account=account,
            push_state="sent",
            read_at=None if n < 4 else read_at,
            hidden=n == 3,
        )
        for n, message_id in enumerate(messages)
    ]
    for start in range(0, len(copies), 500):
        await InboxItem.insert(*copies[start : start + 500])
    assert await queries.unread_count(account) == 3  # hidden copies are not counted

    if not isinstance(db, machi_db.KeptOpenSQLiteEngine):
        return  # PostgreSQL's planner picks by its statistics; the index is the same
    built = queries._unread._for("sqlite")
    values = [account if isinstance(a, machi_db._Value) else a for a in built.args]
    with sqlite3.connect(db.path) as conn:
        plan = " ".join(str(row) for row in conn.execute(f"EXPLAIN QUERY PLAN {built.sql}", values))
    assert "notifications_inbox_item_unread" in plan
