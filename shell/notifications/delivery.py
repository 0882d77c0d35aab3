"""Putting a message in inboxes and pushing it to devices.

The inbox copy is written first and is the record: a push that fails leaves it there. Pushing runs
as a job (urgent messages on the urgent queue, never behind routine mail) and is safe to run twice:
only copies still ``pending`` are claimed, each by one runner.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
from collections.abc import Sequence
from typing import Any

import msgspec
from piccolo.engine import engine_finder

from shell import db, jobs
from shell.notifications import queries, runtime
from shell.notifications.tables import InboxItem, Message, PushSubscription
from shell.notifications.webpush import Sender
from shell.web import live
from shell.web.i18n import DEFAULT

CHUNK = 500
BATCH = 1000
LANES = 2  # batches of one message pushed at once, so one's database work overlaps the other's
WORKERS = 128  # pushes in flight per lane: LANES * WORKERS is the sender's connections
RECORD_EVERY = 250  # outcomes written together...
RECORD_SECONDS = 0.25  # ...or at least this often while pushes finish
TTL = {"high": 24 * 3600, "normal": 3 * 24 * 3600, "low": 7 * 24 * 3600, "very-low": 7 * 24 * 3600}


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


# Open pages of this many recipients at most are told live that their inbox changed; a larger
# broadcast would make every page fetch its badge at once (a disaster banner has its own event).
LIVE_BADGE_LIMIT = 500


async def fill_inboxes(message_id: int, account_ids: Sequence[int]) -> None:
    """One inbox copy per resident; a second run for the same message adds nothing.
    Then each recipient's open pages update their unread badge (small audiences only)."""
    engine = engine_finder()
    assert engine is not None
    now = _now()
    unique = sorted({int(account_id) for account_id in account_ids})
    for start in range(0, len(unique), CHUNK):
        among, listed = db.ids_among("id", unique[start : start + CHUNK], engine)
        # a parameter per row would cost more than inserting it: the rows come from a SELECT
        await engine.run_querystring(
            _raw(
                "INSERT INTO notifications_inbox_item "  # noqa: S608  (db.ids_among)
                "(message, account, push_state, created_at, hidden) "
                "SELECT CAST({} AS INTEGER), id, 'pending', {}, false FROM identity_account "
                f"WHERE {among} ON CONFLICT DO NOTHING",
                int(message_id),
                now,
                *listed,
            )
        )
    if len(unique) <= LIVE_BADGE_LIMIT:
        for account_id in unique:
            await live.publish(f"account.{account_id}", "inbox")


def _raw(sql: str, *args: Any) -> Any:
    from piccolo.querystring import QueryString

    return QueryString(sql, *args)


async def start_push(message_id: int, urgency: str) -> None:
    """Push a new message's waiting copies, as a job; when none of their residents has a device
    (a payment's receipt to a resident who never allowed notifications), mark them ``none``
    here instead: the job would have taken about seven statements to come to the same."""
    if not await _any_device(message_id):
        await InboxItem.update({InboxItem.push_state: "none"}).where(
            (InboxItem.message == message_id) & (InboxItem.push_state == "pending")
        )
        return
    await _enqueue_push(message_id, urgency)


async def _enqueue_push(message_id: int, urgency: str) -> None:
    name = "notifications.push_urgent" if urgency == "high" else "notifications.push"
    await jobs.enqueue(name, message_id=message_id)


async def _any_device(message_id: int) -> bool:
    """Whether a resident with a waiting copy of the message has a device to push to (it stops
    at the first such copy, through the (message, account) index)."""
    engine = engine_finder()
    assert engine is not None
    found = await engine.run_querystring(
        _raw(
            "SELECT 1 AS found FROM notifications_inbox_item i "
            "WHERE i.message = {} AND i.push_state = 'pending' AND EXISTS (SELECT 1 FROM "
            "notifications_push_subscription s WHERE s.account = i.account) LIMIT 1",
            int(message_id),
        )
    )
    return bool(found)


def _texts_for(message: dict[str, Any], language: str) -> dict[str, str]:
    texts = message["texts"]
    if isinstance(texts, str):
        texts = json.loads(texts)
    return texts.get(language) or texts[DEFAULT]


# A runner that claimed copies and then died (a killed worker, a restart) leaves them "pushing":
# after this long (MACHI_PUSH_CLAIM_SECONDS) another runner takes them over. A push that was in
# flight when the runner died may then go out twice (the same Topic, so a push service replaces
# it if still undelivered, and the same notification tag on the device); none is lost.
STALE_CLAIM = dt.timedelta(minutes=2)


def stale_claim() -> dt.timedelta:
    try:
        return dt.timedelta(seconds=runtime.settings().push_claim_seconds)
    except RuntimeError:  # not configured (a unit test of the queries alone)
        return STALE_CLAIM


# A copy waits for a runner while it is pending, or while the runner that claimed it is presumed
# dead (its claim older than stale_claim()).
_WAITING = "(push_state = 'pending' OR (push_state = 'pushing' AND push_claimed_at < {}))"


async def _claim(message_id: int, after: int = 0) -> list[dict[str, Any]]:
    """Up to a batch of this message's copies for this runner alone (one UPDATE decides), of
    residents numbered above ``after``: a runner walks the (message, account) index onward from
    its last batch instead of past every copy it already pushed. Empty only when none waits."""
    engine = engine_finder()
    assert engine is not None
    while True:
        now = _now()
        stale = now - stale_claim()
        # The inner SELECT picks the batch; the outer condition is checked again on each row as
        # it is updated, so a copy another runner claimed meanwhile is not claimed twice.
        claimed: list[dict[str, Any]] = await engine.run_querystring(
            _raw(
                "UPDATE notifications_inbox_item SET push_state = 'pushing', push_claimed_at = {} "  # noqa: S608
                "WHERE id IN (SELECT id FROM notifications_inbox_item "
                f"WHERE message = {{}} AND account > {{}} AND {_WAITING} "
                f"ORDER BY account LIMIT {BATCH}) AND {_WAITING} RETURNING id, account",
                now,
                int(message_id),
                int(after),
                stale,
                stale,
            )
        )
        if claimed:
            return claimed
        # none claimed: none waits, or another runner claimed them first (then look again)
        waiting = await engine.run_querystring(
            _raw(
                "SELECT 1 AS waiting FROM notifications_inbox_item "  # noqa: S608
                f"WHERE message = {{}} AND account > {{}} AND {_WAITING} LIMIT 1",
                int(message_id),
                int(after),
                stale,
            )
        )
        if not waiting:
            return []


async def resume_pushes() -> int:
    """Start the push again for every message a runner left unfinished (a periodic job: after a
    crash or restart, pushes resume). How many messages it restarted.

    A message is resumed when copies of it were claimed by a runner that died (stale claims), or
    when copies still wait although the message is older than a claim lasts and no runner holds a
    fresh claim on it (its push job was lost). A message being pushed right now is left to its
    runner: a second runner would only race it."""
    now = _now()
    stale = now - stale_claim()
    abandoned = (InboxItem.push_state == "pushing") & (InboxItem.push_claimed_at < stale)
    waiting = (
        (InboxItem.push_state == "pending")
        & (InboxItem.message.created_at < stale)
        & (InboxItem.message.sent_at.is_null() | (InboxItem.message.sent_at < stale))
    )
    rows = (
        await InboxItem.select(InboxItem.message, InboxItem.message.urgency)
        .where(abandoned | waiting)
        .distinct()
    )
    if not rows:
        return 0
    busy = {
        row["message"]
        for row in await InboxItem.select(InboxItem.message)
        .where(
            db.among(InboxItem.message, [row["message"] for row in rows])
            & (InboxItem.push_state == "pushing")
            & (InboxItem.push_claimed_at >= stale)
        )
        .distinct()
    }
    resumed = 0
    for row in rows:
        if row["message"] in busy and not await InboxItem.exists().where(
            (InboxItem.message == row["message"]) & abandoned
        ):
            continue
        # its copies may be claims a dead runner left, which only the job takes over
        await _enqueue_push(row["message"], row["message.urgency"])
        resumed += 1
    return resumed


def _payload(message: dict[str, Any], item: dict[str, Any], language: str, unread: int) -> bytes:
    """What the resident's service worker gets for this inbox copy, in their language."""
    text = _texts_for(message, language)
    receipt = f"/notifications/receipts/{item['id']}/{runtime.receipt_token(item['id'])}"
    return msgspec.json.encode(
        {
            "title": text["title"],
            "body": text["body"],
            "url": f"/inbox/{item['id']}/open",
            "tag": f"m{message['id']}",
            "lang": language,
            "badge": unread,
            "receipt": receipt,
        }
    )


def _subscription(device: dict[str, Any]) -> dict[str, Any]:
    return {
        "endpoint": device["endpoint"],
        "keys": {"p256dh": device["p256dh"], "auth": device["auth"]},
    }


async def _push_one(
    sender: Sender,
    message: dict[str, Any],
    item: dict[str, Any],
    devices: list[dict[str, Any]],
    payload: bytes,
    ttl: int,
    bodies: dict[int, asyncio.Future[bytes]],
) -> tuple[int, str, list[int]]:
    """Push one inbox copy to each of its resident's devices: (item id, state, gone devices).
    ``bodies`` may hold a device's message already being encrypted elsewhere."""
    if not devices:
        return item["id"], "none", []
    sends = [
        sender.send(
            _subscription(d),
            payload,
            ttl=ttl,
            urgency=message["urgency"],
            topic=f"m{message['id']}",
            body=bodies.get(d["id"]),
        )
        for d in devices
    ]
    # most residents have one device: no task of its own for it
    outcomes = [await sends[0]] if len(sends) == 1 else await asyncio.gather(*sends)
    gone = [d["id"] for d, outcome in zip(devices, outcomes, strict=True) if outcome.gone]
    state = "sent" if any(outcome.sent for outcome in outcomes) else "failed"
    return item["id"], state, gone


async def push_message(message_id: int) -> None:
    """Push every pending inbox copy of the message to its resident's devices."""
    message = await Message.select().where(Message.id == message_id).first()
    if message is None:
        return
    if isinstance(message["texts"], str):  # parsed once here, not once a recipient
        message["texts"] = json.loads(message["texts"])
    sender = await runtime.sender()
    ttl = TTL.get(message["urgency"], TTL["normal"])

    claiming = asyncio.Lock()
    after = 0  # the highest account claimed so far: each claim starts past it

    async def lane() -> None:
        nonlocal after
        while True:
            async with claiming:
                batch = await _claim(message_id, after)
                if not batch:
                    return
                after = max(after, *(row["account"] for row in batch))
            await _push_batch(sender, message, batch, ttl)

    await asyncio.gather(*(lane() for _ in range(LANES)))


async def _push_batch(
    sender: Sender, message: dict[str, Any], batch: list[dict[str, Any]], ttl: int
) -> None:
    accounts = sorted({int(row["account"]) for row in batch})
    engine = engine_finder()
    assert engine is not None
    among, listed = db.ids_among("s.account", accounts, engine)
    # One read for the batch: each recipient's devices with the recipient's language and unread
    # count (a device row each; the count is the menu badge's).
    subscriptions: dict[int, list[dict[str, Any]]] = {}
    for sub in await engine.run_querystring(
        _raw(
            "SELECT s.id, s.account, s.endpoint, s.p256dh, s.auth, a.language, "  # noqa: S608  (db.ids_among)
            f"({queries.unread_of('s.account')}) AS unread "
            "FROM notifications_push_subscription s "
            "JOIN identity_account a ON a.id = s.account "
            f"WHERE {among}",
            *listed,
        )
    ):
        subscriptions.setdefault(sub["account"], []).append(sub)
    # every device row of a recipient carries the recipient's language and unread count
    payloads = {
        item["id"]: _payload(message, item, devices[0]["language"] or DEFAULT, devices[0]["unread"])
        for item in batch
        if (devices := subscriptions.get(item["account"]))
    }
    # A large batch is encrypted by the sender's helper processes while this one posts.
    pairs = [(item, d) for item in batch for d in subscriptions.get(item["account"], [])]
    encrypted = sender.encrypt_later(
        [(payloads[item["id"]], d["p256dh"], d["auth"]) for item, d in pairs]
    )
    bodies = (
        {}
        if encrypted is None
        else {d["id"]: body for (_, d), body in zip(pairs, encrypted, strict=True)}
    )
    # Outcomes are written a few hundred at a time, and at least every RECORD_SECONDS while
    # pushes finish: a runner that dies leaves few copies it had pushed still marked "pushing",
    # so few pushes go out twice when another runner takes them over. (One write per finished
    # push cost as much as the push itself.)
    outcomes = _Outcomes(len(batch))
    items = iter(batch)

    # a fixed number of workers share the batch (not a task per copy waiting for a connection)
    async def worker() -> None:
        for item in items:
            try:
                outcome = await _push_one(
                    sender,
                    message,
                    item,
                    subscriptions.get(item["account"], []),
                    payloads.get(item["id"], b""),
                    ttl,
                    bodies,
                )
            except Exception as exc:  # handed to the loop below, which raises it
                outcomes.fail(exc)
                return
            outcomes.add(outcome)

    tasks = [asyncio.create_task(worker()) for _ in range(min(WORKERS, len(batch)))]
    loop = asyncio.get_running_loop()
    try:
        written = loop.time()
        while outcomes.left or outcomes.ready:
            due = written + RECORD_SECONDS
            if outcomes.left and len(outcomes.ready) < RECORD_EVERY and outcomes.failure is None:
                await outcomes.wait(max(0.0, due - loop.time()) if outcomes.ready else None)
            if outcomes.failure is not None:
                raise outcomes.failure
            if outcomes.ready and (
                not outcomes.left or len(outcomes.ready) >= RECORD_EVERY or loop.time() >= due
            ):
                await _record(outcomes.take())
                written = loop.time()
    finally:
        for task in tasks:
            task.cancel()


class _Outcomes:
    """A batch's push outcomes as they finish, for the loop that writes them. The loop is woken
    by the first outcome after its last write (it then waits at most until the next write is
    due), by the RECORD_EVERY-th, by the last one and by a failure: not by every push, as it was
    through an ``asyncio.Queue``."""

    __slots__ = ("_wake", "failure", "left", "ready")

    def __init__(self, count: int) -> None:
        self.left = count
        self.ready: list[tuple[int, str, list[int]]] = []
        self.failure: BaseException | None = None
        self._wake: asyncio.Future[None] | None = None

    def add(self, outcome: tuple[int, str, list[int]]) -> None:
        self.ready.append(outcome)
        self.left -= 1
        if len(self.ready) in (1, RECORD_EVERY) or not self.left:
            self._set()

    def fail(self, exc: BaseException) -> None:
        if self.failure is None:
            self.failure = exc
        self._set()

    def take(self) -> list[tuple[int, str, list[int]]]:
        ready, self.ready = self.ready, []
        return ready

    async def wait(self, seconds: float | None) -> None:
        """Until woken, or ``seconds`` have passed."""
        self._wake = asyncio.get_running_loop().create_future()
        try:
            await asyncio.wait_for(self._wake, seconds)
        except TimeoutError:
            pass
        finally:
            self._wake = None

    def _set(self) -> None:
        if self._wake is not None and not self._wake.done():
            self._wake.set_result(None)


async def _record(results: list[tuple[int, str, list[int]]]) -> None:
    """Write the pushes' outcomes (item id, state, devices gone)."""
    by_state: dict[str, list[int]] = {}
    gone: list[int] = []
    for item_id, state, dead in results:
        by_state.setdefault(state, []).append(item_id)
        gone.extend(dead)
    engine = engine_finder()
    assert engine is not None
    for state, ids in by_state.items():
        among, listed = db.ids_among("id", ids, engine)
        await engine.run_querystring(
            _raw(
                f"UPDATE notifications_inbox_item SET push_state = {{}} WHERE {among}",  # noqa: S608
                state,
                *listed,
            )
        )
    if gone:
        await PushSubscription.delete().where(db.among(PushSubscription.id, gone))


jobs.task("notifications.push", queue=jobs.ROUTINE)(push_message)
jobs.task("notifications.push_urgent", queue=jobs.URGENT)(push_message)
