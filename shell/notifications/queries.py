"""Read the inbox, the resident's choices, and how a staff message is doing."""

from __future__ import annotations

import functools
import json
from typing import Any

from shell.db import Prepared
from shell.identity.session import AccountFact, read_alone, read_with_account
from shell.identity.tables import Account
from shell.notifications.tables import (
    ChildBirthMonth,
    InboxItem,
    Message,
    MutedTopic,
    PushSubscription,
)
from shell.web.i18n import DEFAULT


def _texts(value: Any) -> dict[str, dict[str, str]]:
    return json.loads(value) if isinstance(value, str) else value


def text_in(texts: Any, language: str) -> dict[str, str]:
    found = _texts(texts)
    return found.get(language) or found[DEFAULT]


def language_of(texts: Any, language: str) -> str:
    """The language :func:`text_in` answers in (marked with ``lang`` where it is not the page's)."""
    return language if _texts(texts).get(language) else DEFAULT


def _item(row: dict[str, Any], language: str) -> dict[str, Any]:
    text = text_in(row["message.texts"], language)
    return {
        "id": row["id"],
        "lang": language_of(row["message.texts"], language),
        "title": text["title"],
        "body": text["body"],
        "url": row["message.url"],
        "topic": row["message.topic"],
        "source": row["message.source"],
        "urgency": row["message.urgency"],
        "read": row["read_at"] is not None,
        "created_at": row["created_at"],
    }


_COLUMNS = (
    InboxItem.id,
    InboxItem.read_at,
    InboxItem.created_at,
    InboxItem.message.texts,
    InboxItem.message.url,
    InboxItem.message.topic,
    InboxItem.message.source,
    InboxItem.message.urgency,
)


@functools.cache
def _inbox_query(limit: int) -> Prepared:
    """The inbox page's (50) and the home screen's (3) reads, on every visit: the SQL built once
    per limit (shell.db.Prepared)."""
    return Prepared(
        lambda account_id: (
            InboxItem.select(*_COLUMNS)
            .where((InboxItem.account == account_id) & (InboxItem.hidden.eq(False)))
            .order_by(InboxItem.id, ascending=False)
            .limit(limit)
        )
    )


async def inbox(account_id: int, language: str, *, limit: int = 50) -> list[dict[str, Any]]:
    return [_item(row, language) for row in await _inbox_query(limit)(account_id)]


async def item(account_id: int, item_id: int, language: str) -> dict[str, Any] | None:
    row = (
        await InboxItem.select(*_COLUMNS)
        .where((InboxItem.account == account_id) & (InboxItem.id == item_id))
        .first()
    )
    return _item(row, language) if row else None


def unread_of(account_sql: str) -> str:
    """A resident's unread copies counted, as a scalar subquery for raw SQL (``account_sql`` is
    the resident's id column; the (account, read_at) index): the menu's badge and a push's app
    icon badge count the same copies."""
    return (
        f"SELECT COUNT(*) FROM {InboxItem._meta.tablename} i "  # noqa: S608  (our names)
        f"WHERE i.account = {account_sql} AND i.read_at IS NULL AND NOT i.hidden"
    )


# The menu's badge on every full page comes with the signed-in account, in the same statement;
# the badge htmx fetches again reads it alone.
UNREAD = AccountFact("unread", unread_of("{account}"), full_pages_only=True)
read_with_account(UNREAD)
_unread = read_alone(UNREAD)


async def unread_count(account_id: int) -> int:
    """The badge alone (htmx asks for it again when the inbox changes): the same count."""
    row = await _unread(account_id)
    return int(row[UNREAD.name]) if row else 0


# the settings page's reads: the SQL built once (shell.db.Prepared)
_muted_topics = Prepared(
    lambda account_id: MutedTopic.select(MutedTopic.topic).where(MutedTopic.account == account_id)
)
_child_months = Prepared(
    lambda account_id: (
        ChildBirthMonth.select(ChildBirthMonth.id, ChildBirthMonth.born)
        .where(ChildBirthMonth.account == account_id)
        .order_by(ChildBirthMonth.born)
    )
)
_devices = Prepared(
    lambda account_id: PushSubscription.count().where(PushSubscription.account == account_id)
)


async def muted_topics(account_id: int) -> set[str]:
    return {row["topic"] for row in await _muted_topics(account_id)}


async def child_months(account_id: int) -> list[dict[str, Any]]:
    """The months of birth the resident gave, oldest child first."""
    return await _child_months(account_id)  # type: ignore[no-any-return]


async def devices(account_id: int) -> int:
    return await _devices(account_id)  # type: ignore[no-any-return]


async def latest_on_topic(topic: str, language: str, limit: int = 5) -> list[dict[str, Any]]:
    rows = (
        await Message.select(Message.id, Message.texts, Message.url, Message.sent_at)
        .where((Message.topic == topic) & (Message.status == "sent"))
        .order_by(Message.id, ascending=False)
        .limit(limit)
    )
    return [
        {**text_in(row["texts"], language), "url": row["url"], "sent_at": row["sent_at"]}
        for row in rows
    ]


# -- staff -------------------------------------------------------------------------------------


async def staff_messages(limit: int = 50) -> list[dict[str, Any]]:
    rows = (
        await Message.select(
            Message.id,
            Message.texts,
            Message.status,
            Message.topic,
            Message.recipients,
            Message.scheduled_at,
            Message.sent_at,
            Message.created_at,
            Message.segment,
        )
        .where(Message.kind == "staff")
        .order_by(Message.id, ascending=False)
        .limit(limit)
    )
    return [{**row, "title": text_in(row["texts"], DEFAULT)["title"]} for row in rows]


async def staff_message(message_id: int) -> dict[str, Any] | None:
    row = (
        await Message.select(
            *Message.all_columns(),
            Message.created_by.name.as_alias("created_by_name"),
            Message.approved_by.name.as_alias("approved_by_name"),
        )
        .where((Message.id == message_id) & (Message.kind == "staff"))
        .first()
    )
    if row is None:
        return None
    row["texts"] = _texts(row["texts"])
    row["segment"] = _texts(row["segment"])
    return row


async def stats(message_id: int) -> dict[str, int]:
    """How far a message got: in inboxes, pushed, arrived on a device, tapped, read, failed."""
    base = InboxItem.message == message_id
    return {
        "inboxes": await InboxItem.count().where(base),
        "sent": await InboxItem.count().where(base & (InboxItem.push_state == "sent")),
        "failed": await InboxItem.count().where(base & (InboxItem.push_state == "failed")),
        "no_device": await InboxItem.count().where(base & (InboxItem.push_state == "none")),
        "delivered": await InboxItem.count().where(base & InboxItem.delivered_at.is_not_null()),
        "opened": await InboxItem.count().where(base & InboxItem.opened_at.is_not_null()),
        "read": await InboxItem.count().where(base & InboxItem.read_at.is_not_null()),
    }


async def account_language(account_id: int) -> str:
    row = await Account.select(Account.language).where(Account.id == account_id).first()
    return row["language"] if row else DEFAULT
