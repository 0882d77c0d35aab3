"""machi_sdk.live: a waiter wakes on a publish in its own process, and only the waiter of that
topic; with Redis, a publish on one worker wakes the waiters of another (two hubs on one Redis
stand for two workers); apps' channels do not cross."""

from __future__ import annotations

import asyncio
import os

import pytest
from machi_sdk.live import Hub, app_hub

REDIS_URL = os.environ.get("MACHI_TEST_REDIS_URL", "")


async def test_a_publish_wakes_the_waiter_and_only_it():
    hub = Hub()
    woken = asyncio.create_task(hub.wait("conversation:1", 5.0))
    other = asyncio.create_task(hub.wait("conversation:2", 0.2))
    await asyncio.sleep(0)
    await hub.publish("conversation:1")
    assert await asyncio.wait_for(woken, 1.0) is True
    assert await other is False


async def test_a_publish_on_one_worker_wakes_a_waiter_on_another():
    if not REDIS_URL:
        pytest.skip("Redis not configured: set MACHI_TEST_REDIS_URL to run this on it")
    first, second = Hub(REDIS_URL), Hub(REDIS_URL)
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




async def test_each_app_has_its_own_channels(monkeypatch):
    if not REDIS_URL:
        pytest.skip("Redis not configured: set MACHI_TEST_REDIS_URL to run this on it")
    monkeypatch.setenv("MACHI_REDIS_URL", REDIS_URL)
    school, bus = app_hub("school"), app_hub("bus")
    assert (school.channel, bus.channel) == ("machi:school:live:", "machi:bus:live:")
    other_school = app_hub("school")
    try:
        bus.subscribe("warm-up")
        other_school.subscribe("warm-up")
        for _ in range(50):
            await school.publish("warm-up")
            if await other_school.wait("warm-up", 0.1):
                break
        bus_waiting = asyncio.create_task(bus.wait("ride:1", 0.5))
        school_waiting = asyncio.create_task(other_school.wait("ride:1", 5.0))
        await asyncio.sleep(0)
        await school.publish("ride:1")
        assert await asyncio.wait_for(school_waiting, 2.0) is True
        assert await bus_waiting is False  # the school's event is not the bus app's
    finally:
        for hub in (school, bus, other_school):
            await hub.close()
