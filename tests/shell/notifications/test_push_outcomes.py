"""A push batch writes its outcomes as they come, not only at its end: a runner that dies
mid-batch leaves few copies it had pushed still marked "pushing" (another runner would push them
again). A push that fails outright fails the batch, which the job runs again."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
from typing import Any

import pytest

from shell.identity.tables import Account
from shell.notifications import delivery
from shell.notifications.tables import InboxItem, Message, PushSubscription
from shell.notifications.webpush import Outcome


class _Sender:
    """Stands in for ``webpush.Sender``: every push to an endpoint in ``held`` waits for
    ``release``; a push to ``broken`` raises."""

    def __init__(self, held: set[str] = frozenset(), broken: str = "") -> None:  # type: ignore[assignment]
        self.held = held
        self.broken = broken
        self.release = asyncio.Event()

    def encrypt_later(self, messages: list[Any]) -> None:
        return None

    async def send(self, subscription: dict[str, Any], payload: bytes, **_: Any) -> Outcome:
        endpoint = subscription["endpoint"]
        if endpoint == self.broken:
            raise RuntimeError("a bug in the sender")
        if endpoint in self.held:
            await self.release.wait()
        return Outcome(201)


async def _batch(districts: list[dict[str, Any]], count: int) -> tuple[dict[str, Any], list[Any]]:
    """A message to ``count`` residents with a device each, claimed by this runner."""
    rows = [Account(name=f"住民 {i}", name_kana="じゅうみん", birth_date=dt.date(1960, 1, 1),
                    district=districts[0]["id"], webauthn_user_id=f"outcome-{i}")
            for i in range(count)]  # fmt: skip
    ids = [row["id"] for row in await Account.insert(*rows).returning(Account.id)]
    await PushSubscription.insert(
        *[
            PushSubscription(account=i, endpoint=f"https://push.example/{n}", p256dh="k", auth="a")
            for n, i in enumerate(ids)
        ]
    )
    inserted = await Message.insert(
        Message(
            kind="system",
            source="city",
            topic="city",
            texts={"ja": {"title": "断水", "body": "本日午後"}},
        )
    ).returning(Message.id)
    await delivery.fill_inboxes(inserted[0]["id"], ids)
    message = await Message.select().where(Message.id == inserted[0]["id"]).first()
    assert message is not None
    if isinstance(message["texts"], str):
        message["texts"] = json.loads(message["texts"])
    return message, await delivery._claim(message["id"])


async def _states(message_id: int) -> dict[str, int]:
    rows = await InboxItem.select(InboxItem.push_state).where(InboxItem.message == message_id)
    states: dict[str, int] = {}
    for row in rows:
        states[row["push_state"]] = states.get(row["push_state"], 0) + 1
    return states


async def test_finished_pushes_are_written_while_one_is_still_in_flight(
    app: Any, districts: Any
) -> None:
    message, batch = await _batch(districts, 3)
    sender = _Sender(held={"https://push.example/2"})
    pushing = asyncio.create_task(delivery._push_batch(sender, message, batch, ttl=60))  # type: ignore[arg-type]
    loop = asyncio.get_running_loop()
    deadline = loop.time() + 10 * delivery.RECORD_SECONDS
    while (states := await _states(message["id"])) != {"sent": 2, "pushing": 1}:
        assert loop.time() < deadline, states
        if pushing.done():
            pushing.result()  # its failure, if any
        await asyncio.sleep(0.02)
    assert not pushing.done()
    sender.release.set()
    await pushing
    assert await _states(message["id"]) == {"sent": 3}


async def test_a_batch_larger_than_a_write_is_written_whole(app: Any, districts: Any) -> None:
    message, batch = await _batch(districts, delivery.RECORD_EVERY * 2 + 7)
    await delivery._push_batch(_Sender(), message, batch, ttl=60)  # type: ignore[arg-type]
    assert await _states(message["id"]) == {"sent": delivery.RECORD_EVERY * 2 + 7}


async def test_a_push_that_fails_outright_fails_the_batch(app: Any, districts: Any) -> None:
    message, batch = await _batch(districts, 3)
    sender = _Sender(broken="https://push.example/1")
    with pytest.raises(RuntimeError, match="a bug in the sender"):
        await delivery._push_batch(sender, message, batch, ttl=60)  # type: ignore[arg-type]
    # the copy it failed on waits to be claimed again once its claim is stale
    assert (await _states(message["id"])).get("pushing", 0) >= 1
