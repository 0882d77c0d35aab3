"""What other areas call to notify residents: ``await notify_accounts(...)`` after their commit.

``title`` and ``body`` are Japanese source strings (marked with ``lazy``), translated here into
every language the shell speaks, with ``%(name)s`` placeholders filled from ``params``; each
resident reads them in their own language, in the inbox and on the lock screen.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from shell import db
from shell.notifications import delivery
from shell.notifications.segments import Segment
from shell.notifications.segments import account_ids as segment_accounts
from shell.notifications.tables import Message, MutedTopic
from shell.notifications.topics import LOCKED
from shell.web.i18n import in_every_language

URGENCIES = ("very-low", "low", "normal", "high")


async def _unmuted(account_ids: Sequence[int], topic: str) -> list[int]:
    ids = sorted({int(account_id) for account_id in account_ids})
    if topic in LOCKED or not ids:
        return ids
    muted = {
        row["account"]
        for row in await MutedTopic.select(MutedTopic.account).where(
            (MutedTopic.topic == topic) & db.among(MutedTopic.account, ids)
        )
    }
    return [account_id for account_id in ids if account_id not in muted]


async def send_texts(
    account_ids: Sequence[int],
    *,
    texts: Mapping[str, Mapping[str, str]],
    url: str,
    topic: str,
    source: str,
    kind: str,
    urgency: str = "normal",
) -> int:
    """Store the message with its ``texts`` per language, fill the inboxes, start the push."""
    if urgency not in URGENCIES:
        raise ValueError(f"unknown urgency {urgency!r}")
    recipients = await _unmuted(account_ids, topic)
    inserted = await Message.insert(
        Message(
            kind=kind,
            source=source,
            topic=topic,
            urgency=urgency,
            texts={code: dict(text) for code, text in texts.items()},
            url=url,
            status="sent",
            recipients=len(recipients),
            sent_at=delivery._now(),
        )
    ).returning(Message.id)
    message_id: int = inserted[0]["id"]
    await delivery.fill_inboxes(message_id, recipients)
    await delivery.start_push(message_id, urgency)
    return message_id


async def notify_accounts(
    account_ids: Sequence[int],
    *,
    title: str,
    body: str,
    url: str,
    topic: str,
    source: str,
    urgency: str = "normal",
    params: Mapping[str, object] | None = None,
) -> int:
    """Notify these residents (those who muted ``topic`` excepted). Returns the message id."""
    variables = dict(params or {})
    titles = in_every_language(title, **variables)
    bodies = in_every_language(body, **variables)
    texts = {code: {"title": titles[code], "body": bodies[code]} for code in titles}
    return await send_texts(
        account_ids,
        texts=texts,
        url=url,
        topic=topic,
        source=source,
        kind="system",
        urgency=urgency,
    )


async def notify_everyone(
    *,
    title: str,
    body: str,
    url: str,
    topic: str,
    source: str,
    urgency: str = "normal",
    params: Mapping[str, object] | None = None,
) -> int:
    """Notify every resident (a disaster broadcast, say)."""
    ids = await segment_accounts(Segment(), topic)
    return await notify_accounts(
        ids,
        title=title,
        body=body,
        url=url,
        topic=topic,
        source=source,
        urgency=urgency,
        params=params,
    )
