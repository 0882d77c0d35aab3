"""Runners claim a message's inbox copies in batches: two at once never share a copy, every copy
is claimed, and a dead runner's claims are taken over once stale."""

from __future__ import annotations

import asyncio
import datetime as dt
from typing import Any

from shell.identity.tables import Account
from shell.notifications import delivery
from shell.notifications.tables import InboxItem, Message

RECIPIENTS = delivery.BATCH + delivery.BATCH // 2


async def _message_to_many(districts: list[dict[str, Any]]) -> int:
    ids: list[int] = []
    for start in range(0, RECIPIENTS, 500):
        rows = [Account(name=f"住民 {i}", name_kana="じゅうみん", birth_date=dt.date(1960, 1, 1),
                        district=districts[0]["id"], webauthn_user_id=f"claim-{i}")
                for i in range(start, min(RECIPIENTS, start + 500))]  # fmt: skip
        ids += [row["id"] for row in await Account.insert(*rows).returning(Account.id)]
    inserted = await Message.insert(
        Message(kind="system", source="city", topic="city", texts={"ja": {"title": "断水"}})
    ).returning(Message.id)
    message_id = int(inserted[0]["id"])
    await delivery.fill_inboxes(message_id, ids)
    return message_id


async def test_two_runners_never_claim_the_same_copy(db: Any, districts: Any) -> None:
    message_id = await _message_to_many(districts)
    claimed: list[int] = []
    while True:  # two runners at once, until neither finds a copy waiting
        batches = [
            b for b in await asyncio.gather(*(delivery._claim(message_id) for _ in "ab")) if b
        ]
        if not batches:
            break
        assert all(len(batch) <= delivery.BATCH for batch in batches)
        claimed += [row["id"] for batch in batches for row in batch]
    assert len(claimed) == len(set(claimed)) == RECIPIENTS
    assert await InboxItem.count().where(InboxItem.push_state == "pushing") == RECIPIENTS

    # A runner that claimed them died: nothing waits until its claims are stale, then all do.
    assert await delivery._claim(message_id) == []
    long_ago = dt.datetime.now(dt.UTC) - delivery.STALE_CLAIM - dt.timedelta(seconds=1)
    await InboxItem.update({InboxItem.push_claimed_at: long_ago}).where(
        InboxItem.message == message_id
    )
    again = await delivery._claim(message_id)
    assert len(again) == delivery.BATCH
    # a runner walks onward from its last batch
    rest = await delivery._claim(message_id, after=max(row["account"] for row in again))
    assert len(rest) == RECIPIENTS - delivery.BATCH
