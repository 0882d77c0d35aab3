"""Notifications: the inbox is the record; Web Push is only a way to say that something arrived.

A ``Message`` is what was sent (by staff, by a mini-app, or by the shell itself), with its text in
every language it was written in; an ``InboxItem`` is one resident's copy of it, and carries what
happened to that copy (pushed, delivered to the device, opened, read).
"""

from piccolo.columns import (
    JSONB,
    Boolean,
    Date,
    ForeignKey,
    Integer,
    OnDelete,
    Text,
    Timestamptz,
    Varchar,
)
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from shell.identity.tables import Account


class VapidKey(Table, tablename="notifications_vapid_key"):
    """The application server's VAPID key pair (RFC 8292), generated at first start and kept."""

    private_pem = Text()
    public_key = Varchar(length=128)  # uncompressed P-256 point, base64url (applicationServerKey)
    created_at = Timestamptz(default=TimestamptzNow())


class PushSubscription(Table, tablename="notifications_push_subscription"):
    """One browser's push subscription. A push service answering 404/410 removes it."""

    account = ForeignKey(Account, on_delete=OnDelete.cascade)  # type: ignore[arg-type]
    endpoint = Varchar(length=1024, unique=True)
    p256dh = Varchar(length=128)
    auth = Varchar(length=64)
    created_at = Timestamptz(default=TimestamptzNow())
    last_success_at = Timestamptz(null=True, default=None)


class MutedTopic(Table, tablename="notifications_muted_topic"):
    """A topic the resident chose not to receive (everything is on until they turn it off)."""

    account = ForeignKey(Account, on_delete=OnDelete.cascade)  # type: ignore[arg-type]
    topic = Varchar(length=64)


class ChildBirthMonth(Table, tablename="notifications_child_birth_month"):
    """A child's month of birth, given by the resident (optional) so that child-rearing notices
    reach parents of children of an age. Only the month (kept as its first day): no name, no day,
    nothing else about the child."""

    account = ForeignKey(Account, on_delete=OnDelete.cascade, index=True)  # type: ignore[arg-type]
    born = Date()  # the first day of the month of birth
    created_at = Timestamptz(default=TimestamptzNow())


class Message(Table, tablename="notifications_message"):
    # staff | app | system
    kind = Varchar(length=16)
    # who sent it: "city", a mini-app id, or a shell area such as "wallet"
    source = Varchar(length=64)
    topic = Varchar(length=64)
    urgency = Varchar(length=16, default="normal")  # RFC 8030: very-low low normal high
    # {"ja": {"title": ..., "body": ...}, "en": {...}}; Japanese always present
    texts = JSONB(default={})
    url = Varchar(length=512, default="/inbox")
    # staff messages: who they go to ({} = everyone) and how far through the flow they are
    segment = JSONB(default={})
    status = Varchar(
        length=24, default="sending"
    )  # draft awaiting_approval scheduled sending sent cancelled
    created_by = ForeignKey(Account, null=True, on_delete=OnDelete.set_null)  # type: ignore[arg-type]
    approved_by = ForeignKey(Account, null=True, on_delete=OnDelete.set_null)  # type: ignore[arg-type]
    scheduled_at = Timestamptz(null=True, default=None)
    sent_at = Timestamptz(null=True, default=None)
    recipients = Integer(default=0)
    created_at = Timestamptz(default=TimestamptzNow())


class InboxItem(Table, tablename="notifications_inbox_item"):
    """One resident's copy of a message; unique per (message, account) so nothing is sent twice."""

    message = ForeignKey(Message, on_delete=OnDelete.cascade)  # type: ignore[arg-type]
    account = ForeignKey(Account, on_delete=OnDelete.cascade)  # type: ignore[arg-type]
    # pending (not pushed yet) | pushing | sent (a push service accepted it) | failed
    # | none (no device)
    push_state = Varchar(length=16, default="pending")
    # When a push runner claimed this copy ("pushing"); a claim left by a runner that died is
    # taken over after a while (see delivery.STALE_CLAIM).
    push_claimed_at = Timestamptz(null=True, default=None)
    delivered_at = Timestamptz(null=True, default=None)  # the device's service worker got it
    opened_at = Timestamptz(null=True, default=None)  # tapped the notification
    read_at = Timestamptz(null=True, default=None)
    created_at = Timestamptz(default=TimestamptzNow())
    hidden = Boolean(default=False)
