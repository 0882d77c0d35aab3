"""The push client's connection slots: never more holders than the limit, the waiting let in in
the order they came, and no slot lost when a waiting push is cancelled."""

from __future__ import annotations

import asyncio

from shell.notifications.pushhttp import Slots


async def test_no_more_holders_than_the_limit_and_the_waiting_in_order() -> None:
    slots = Slots(3)
    holding, most, entered = 0, 0, []

    async def push(n: int) -> None:
        nonlocal holding, most
        async with slots:
            entered.append(n)
            holding += 1
            most = max(most, holding)
            await asyncio.sleep(0.001)
            holding -= 1

    await asyncio.gather(*(push(n) for n in range(20)))
    assert most == 3
    assert entered == list(range(20))
    assert slots.free == 3
    assert not slots.waiting


async def test_a_cancelled_waiter_loses_no_slot() -> None:
    slots = Slots(1)
    release = asyncio.Event()
    order = []

    async def hold() -> None:
        async with slots:
            order.append("first")
            await release.wait()

    async def wait(name: str) -> None:
        async with slots:
            order.append(name)

    first = asyncio.create_task(hold())
    await asyncio.sleep(0)
    cancelled = asyncio.create_task(wait("cancelled"))
    later = asyncio.create_task(wait("later"))
    await asyncio.sleep(0)
    cancelled.cancel()
    await asyncio.sleep(0)
    release.set()
    await asyncio.wait_for(asyncio.gather(first, later), 5)
    assert cancelled.cancelled()
    assert order == ["first", "later"]
    assert slots.free == 1
    assert not slots.waiting


async def test_a_slot_handed_to_a_push_cancelled_before_it_ran_goes_to_the_next() -> None:
    slots = Slots(1)
    order = []

    async def wait(name: str) -> None:
        async with slots:
            order.append(name)

    await slots.__aenter__()  # held
    handed = asyncio.create_task(wait("handed"))
    later = asyncio.create_task(wait("later"))
    await asyncio.sleep(0)  # both wait
    await slots.__aexit__()  # the slot goes to "handed"...
    handed.cancel()  # ...which is cancelled before it runs
    await asyncio.wait_for(asyncio.gather(handed, later, return_exceptions=True), 5)
    assert handed.cancelled()
    assert order == ["later"]
    assert slots.free == 1
    assert not slots.waiting
