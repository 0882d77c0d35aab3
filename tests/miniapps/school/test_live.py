"""Live events: a waiter wakes on a publish in its own process; with Redis, a publish on one
worker wakes the waiters of another (two hubs on one Redis stand for two workers)."""

from __future__ import annotations

import asyncio
import os

import pytest

from .conftest import module

live = module("live")
REDIS_URL = os.environ.get("MACHI_TEST_REDIS_URL", "")


async def test_a_publish_wakes_the_waiter_and_only_it():
    hub = live.Hub()
    woken = asyncio.create_task(hub.wait("conversation:1", 5.0))
    other = asyncio.create_task(hub.wait("conversation:2", 0.2))
    await asyncio.sleep(0)
    await hub.publish("conversation:1")
    assert await asyncio.wait_for(woken, 1.0) is True
    assert await other is False


async def test_a_publish_on_one_worker_wakes_a_waiter_on_another():
    if not REDIS_URL:
        pytest.skip("Redis not configured: set MACHI_TEST_REDIS_URL to run this on it")
    first, second = live.Hub(REDIS_URL), live.Hub(REDIS_URL)
    try:
        second.subscribe("warm-up")  # the second worker relays Redis events from now on
        for _ in range(50):  # until its subscription is in place
            await first.publish("warm-up")
            if await second.wait("warm-up", 0.1):
                break
        waiting = asyncio.create_task(second.wait("conversation:7", 5.0))
        await asyncio.sleep(0)
        await first.publish("conversation:7")
        assert await asyncio.wait_for(waiting, 2.0) is True
    finally:
        await first.close()
        await second.close()


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
