"""Live delivery in the school app: a message written by another worker reaches an open
conversation through the database watch even when no event reaches this process (the hub itself
is tested with the SDK, tests/sdk/test_live.py)."""

from __future__ import annotations

import asyncio

from .conftest import module

live = module("live")


async def test_a_message_written_by_another_worker_arrives_through_the_database_watch(school):
    actions, tables = module("actions"), module("tables")
    delivery = module("delivery")
    await actions.link_child("parent-1", school["code"])
    conv = await actions.conversation("parent-1", school["one"], "はると")
    waiting = asyncio.create_task(delivery.deliver(conv, 0, 10.0))
    await asyncio.sleep(0.05)
    # written as another worker would, without a publish reaching this process
    await tables.SchoolMessage.insert(tables.SchoolMessage(
        key=f"{conv}|elsewhere", conversation=conv, from_staff=True, author="teacher-a",
        body="別のワーカーから", lang="ja", created_at=actions.now_utc(),
    ))  # fmt: skip
    rows = await asyncio.wait_for(waiting, live.RECHECK_SECONDS + 3)
    assert [r["body"] for r in rows] == ["別のワーカーから"]
