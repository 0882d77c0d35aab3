"""Verbs of the notifications area; each refuses bad input with a reason and changes nothing."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any
from urllib.parse import urlsplit

import msgspec

from shell.audit.actions import record
from shell.notifications import delivery, ece
from shell.notifications.segments import AGE_BANDS, CHILD_AGES, Segment, account_ids
from shell.notifications.tables import (
    ChildBirthMonth,
    InboxItem,
    Message,
    MutedTopic,
    PushSubscription,
)
from shell.notifications.topics import LOCKED, STAFF_TOPICS, TOPICS
from shell.settings import Settings
from shell.web.i18n import DEFAULT, LANGUAGES


class Refused(Exception):
    """An action refused; ``reason`` is a stable code the routes turn into a sentence."""

    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(reason)


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


# -- residents ---------------------------------------------------------------------------------


class SubscriptionKeys(msgspec.Struct):
    p256dh: str
    auth: str


class SubscriptionIn(msgspec.Struct):
    endpoint: str
    keys: SubscriptionKeys


def _host_allowed(host: str, allowed: tuple[str, ...]) -> bool:
    for pattern in allowed:
        if pattern.startswith("*.") and host.endswith(pattern[1:]):
            return True
        if host == pattern:
            return True
    return False


def check_subscription(raw: Any, settings: Settings) -> SubscriptionIn:
    """A browser's PushSubscription JSON, sent only to a known push service (no open relay)."""
    try:
        subscription = msgspec.convert(raw, SubscriptionIn)
    except (msgspec.ValidationError, TypeError):
        raise Refused("malformed_subscription") from None
    endpoint = subscription.endpoint
    local = settings.local_push_url
    if local and endpoint.startswith(local.rstrip("/") + "/"):
        pass
    else:
        parts = urlsplit(endpoint)
        if parts.scheme != "https" or not _host_allowed(
            parts.hostname or "", settings.push_services
        ):
            raise Refused("unknown_push_service")
    try:
        p256dh = ece.b64decode(subscription.keys.p256dh)
        auth = ece.b64decode(subscription.keys.auth)
    except ValueError:
        raise Refused("malformed_subscription") from None
    if len(p256dh) != 65 or p256dh[0] != 4 or len(auth) != 16 or len(endpoint) > 1024:
        raise Refused("malformed_subscription")
    return subscription


async def subscribe(account_id: int, raw: Any, settings: Settings) -> None:
    subscription = check_subscription(raw, settings)
    existing = (
        await PushSubscription.select(PushSubscription.id)
        .where(PushSubscription.endpoint == subscription.endpoint)
        .first()
    )
    values = {
        PushSubscription.account: account_id,
        PushSubscription.p256dh: subscription.keys.p256dh,
        PushSubscription.auth: subscription.keys.auth,
    }
    if existing:  # the same browser, perhaps now signed in as someone else
        await PushSubscription.update(values).where(PushSubscription.id == existing["id"])
    else:
        await PushSubscription.insert(
            PushSubscription(
                account=account_id,
                endpoint=subscription.endpoint,
                p256dh=subscription.keys.p256dh,
                auth=subscription.keys.auth,
            )
        )


async def unsubscribe(account_id: int, endpoint: str) -> None:
    await PushSubscription.delete().where(
        (PushSubscription.account == account_id) & (PushSubscription.endpoint == endpoint)
    )


async def set_topics(account_id: int, wanted: set[str]) -> None:
    unknown = wanted - set(TOPICS)
    if unknown:
        raise Refused("unknown_topic")
    mutable = set(TOPICS) - LOCKED
    await MutedTopic.delete().where(MutedTopic.account == account_id)
    muted = sorted(mutable - wanted)
    if muted:
        await MutedTopic.insert(*(MutedTopic(account=account_id, topic=t) for t in muted))


MAX_CHILDREN = 10


async def add_child_month(account_id: int, month: str, today: dt.date | None = None) -> None:
    """Keep a child's month of birth (``YYYY-MM``) for child-rearing notices. Refusals:
    ``bad_child_month`` (not a month, in the future, or 18 years ago or more) and
    ``too_many_children``. The same month twice is kept once (twins are one month)."""
    today = today or dt.date.today()
    try:
        born = dt.date.fromisoformat(f"{month.strip()}-01")
    except ValueError:
        raise Refused("bad_child_month") from None
    months_old = (today.year - born.year) * 12 + today.month - born.month
    if born > today.replace(day=1) or months_old >= 18 * 12:
        raise Refused("bad_child_month")
    kept = await ChildBirthMonth.select(ChildBirthMonth.born).where(
        ChildBirthMonth.account == account_id
    )
    if any(row["born"] == born for row in kept):
        return
    if len(kept) >= MAX_CHILDREN:
        raise Refused("too_many_children")
    await ChildBirthMonth.insert(ChildBirthMonth(account=account_id, born=born))


async def remove_child_month(account_id: int, entry_id: int) -> None:
    await ChildBirthMonth.delete().where(
        (ChildBirthMonth.id == entry_id) & (ChildBirthMonth.account == account_id)
    )


async def mute_app(account_id: int, app_id: str, muted: bool) -> None:
    await MutedTopic.delete().where(
        (MutedTopic.account == account_id) & (MutedTopic.topic == f"app:{app_id}")
    )
    if muted:
        await MutedTopic.insert(MutedTopic(account=account_id, topic=f"app:{app_id}"))


async def mark_read(account_id: int, item_id: int, *, opened: bool = False) -> dict[str, Any]:
    item = (
        await InboxItem.select(InboxItem.id, InboxItem.read_at, InboxItem.message)
        .where((InboxItem.id == item_id) & (InboxItem.account == account_id))
        .first()
    )
    if item is None:
        raise Refused("not_found")
    now = _now()
    if item["read_at"] is None:
        await InboxItem.update({InboxItem.read_at: now}).where(InboxItem.id == item_id)
    if opened:
        await InboxItem.update({InboxItem.opened_at: now}).where(
            (InboxItem.id == item_id) & InboxItem.opened_at.is_null()
        )
        # A tap on the notification also proves that it arrived.
        await InboxItem.update({InboxItem.delivered_at: now}).where(
            (InboxItem.id == item_id) & InboxItem.delivered_at.is_null()
        )
    return item


async def mark_all_read(account_id: int) -> None:
    await InboxItem.update({InboxItem.read_at: _now()}).where(
        (InboxItem.account == account_id) & InboxItem.read_at.is_null()
    )


async def delivered(item_id: int) -> None:
    await InboxItem.update({InboxItem.delivered_at: _now()}).where(
        (InboxItem.id == item_id) & InboxItem.delivered_at.is_null()
    )


# -- staff -------------------------------------------------------------------------------------


class Draft(msgspec.Struct, frozen=True):
    texts: dict[str, dict[str, str]]
    topic: str
    url: str
    segment: Segment
    urgency: str = "normal"
    scheduled_at: dt.datetime | None = None


def check_draft(
    texts: dict[str, dict[str, str]],
    *,
    topic: str,
    url: str,
    segment: Segment,
    urgency: str,
    scheduled_at: dt.datetime | None,
    known_districts: set[int],
    now: dt.datetime | None = None,
) -> Draft:
    now = now or _now()
    ja = texts.get(DEFAULT, {})
    if not ja.get("title", "").strip() or not ja.get("body", "").strip():
        raise Refused("empty")
    cleaned: dict[str, dict[str, str]] = {}
    for code, text in texts.items():
        if code not in LANGUAGES:
            raise Refused("unknown_language")
        title, body = text.get("title", "").strip(), text.get("body", "").strip()
        if not title and not body:
            continue  # this language falls back to Japanese
        if not title or not body:
            raise Refused("half_translated")
        if len(title) > 100 or len(body) > 2000:
            raise Refused("too_long")
        cleaned[code] = {"title": title, "body": body}
    if topic not in STAFF_TOPICS:
        raise Refused("unknown_topic")
    if urgency not in ("normal", "high"):
        raise Refused("unknown_urgency")
    if not url.startswith("/") or url.startswith("//") or len(url) > 500:
        raise Refused("bad_url")
    if set(segment.districts) - known_districts:
        raise Refused("unknown_district")
    if (set(segment.age_bands) - set(AGE_BANDS) or set(segment.languages) - set(LANGUAGES)
            or set(segment.child_ages) - set(CHILD_AGES)):  # fmt: skip
        raise Refused("bad_segment")
    if scheduled_at is not None and scheduled_at <= now + dt.timedelta(minutes=1):
        raise Refused("schedule_in_past")
    return Draft(cleaned, topic, url, segment, urgency, scheduled_at)


async def compose(draft: Draft, *, by: int, ip: str = "") -> int:
    """Record a staff message; it goes now, at its time, or after a second notifier approves."""
    recipients = await account_ids(draft.segment, draft.topic)
    if not recipients:
        raise Refused("nobody")
    if draft.segment.everyone:
        status = "awaiting_approval"
    elif draft.scheduled_at:
        status = "scheduled"
    else:
        status = "sending"
    inserted = await Message.insert(
        Message(
            kind="staff",
            source="city",
            topic=draft.topic,
            urgency=draft.urgency,
            texts=draft.texts,
            url=draft.url,
            segment=draft.segment.as_json(),
            status=status,
            created_by=by,
            scheduled_at=draft.scheduled_at,
            recipients=len(recipients),
        )
    ).returning(Message.id)
    message_id: int = inserted[0]["id"]
    await record(
        "notifications.composed",
        actor=by,
        subject=f"message:{message_id}",
        detail={"segment": draft.segment.as_json(), "topic": draft.topic, "status": status},
        ip=ip,
    )
    if status == "sending":
        await send(message_id)
    return message_id


async def send(message_id: int) -> None:
    """Fill the inboxes of the segment as it is now and push. Safe to run twice."""
    message = await Message.select().where(Message.id == message_id).first()
    if message is None or message["status"] not in ("sending",):
        return
    segment = Segment.from_json(_json(message["segment"]))
    recipients = await account_ids(segment, message["topic"])
    await delivery.fill_inboxes(message_id, recipients)
    await Message.update(
        {Message.status: "sent", Message.sent_at: _now(), Message.recipients: len(recipients)}
    ).where(Message.id == message_id)
    await delivery.start_push(message_id, message["urgency"])


def _json(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str) else value


async def approve(message_id: int, *, by: int, ip: str = "") -> None:
    message = await Message.select().where(Message.id == message_id).first()
    if message is None:
        raise Refused("not_found")
    if message["status"] != "awaiting_approval":
        raise Refused("not_awaiting")
    if message["created_by"] == by:
        raise Refused("own_message")
    scheduled = message["scheduled_at"] is not None and message["scheduled_at"] > _now()
    status = "scheduled" if scheduled else "sending"
    claimed = await (
        Message.update({Message.status: status, Message.approved_by: by})
        .where((Message.id == message_id) & (Message.status == "awaiting_approval"))
        .returning(Message.id)
    )
    if not claimed:
        raise Refused("not_awaiting")
    await record("notifications.approved", actor=by, subject=f"message:{message_id}", ip=ip)
    if status == "sending":
        await send(message_id)


async def cancel(message_id: int, *, by: int, ip: str = "") -> None:
    claimed = await (
        Message.update({Message.status: "cancelled"})
        .where(
            (Message.id == message_id) & Message.status.is_in(["awaiting_approval", "scheduled"])
        )
        .returning(Message.id)
    )
    if not claimed:
        raise Refused("not_cancellable")
    await record("notifications.cancelled", actor=by, subject=f"message:{message_id}", ip=ip)


async def send_due(now: dt.datetime | None = None) -> int:
    """Send the scheduled messages whose time has come (a periodic job; each claimed once)."""
    now = now or _now()
    due = await (
        Message.update({Message.status: "sending"})
        .where((Message.status == "scheduled") & (Message.scheduled_at <= now))
        .returning(Message.id)
    )
    for row in due:
        await send(row["id"])
    return len(due)
