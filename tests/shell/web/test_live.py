"""Live events: publish/subscribe on the app's channels, the SSE stream, Redis across two apps."""

from __future__ import annotations

import asyncio
import dataclasses
import json
import os

import pytest
from litestar.channels import ChannelsPlugin

from shell.app import create_app
from shell.web import live

REDIS_URL = os.environ.get("MACHI_TEST_REDIS_URL", "")


async def test_an_event_reaches_subscribers_of_its_channel_only(app):
    plugin = app.plugins.get(ChannelsPlugin)
    async with (
        plugin,
        live.subscription(["city"], plugin=plugin) as city,
        live.subscription(["account.2"], plugin=plugin) as other,
    ):
        await live.publish("city", "disaster-mode", {"active": True}, plugin=plugin)
        event = await asyncio.wait_for(city.get(), 5)
        assert (event.channel, event.event, event.data) == (
            "city",
            "disaster-mode",
            {"active": True},
        )
        await asyncio.sleep(0.05)
        assert other.empty()


async def test_publishing_without_running_channels_is_dropped_not_raised(app):
    # The test client runs no lifespan: like a command-line import with no server in it.
    await live.publish("city", "disaster-mode", {"active": True})


@pytest.mark.parametrize(("channel", "event"), [("city hall", "x"), ("city", "a\nb"), ("", "x")])
async def test_bad_names_are_refused(app, channel, event):
    with pytest.raises(ValueError, match="bad channel or event name"):
        await live.publish(channel, event, {})


async def test_the_stream_says_ready_then_sends_each_event_as_sse(app):
    plugin = app.plugins.get(ChannelsPlugin)
    async with plugin:
        stream = live._stream(plugin, ["city"], heartbeat=0.2)
        ready = await anext(stream)
        assert ready.event == "ready"
        assert ready.retry == live.RETRY_MS
        keep_alive = await anext(stream)  # nothing published within the heartbeat
        assert keep_alive.comment == "keep-alive"
        await live.publish("city", "safety-check", {"check": 3}, plugin=plugin)
        message = await anext(stream)
        assert message.event == "safety-check"
        assert json.loads(message.data) == {"channel": "city", "data": {"check": 3}}
        encoded = message.encode().decode()
        assert encoded.startswith("event: safety-check\r\ndata: ")
        await stream.aclose()


async def test_two_app_instances_share_events_through_redis(settings, db, jobs):
    if not REDIS_URL:
        pytest.skip("Redis not configured: set MACHI_TEST_REDIS_URL to run this on it")
    shared = dataclasses.replace(settings, redis_url=REDIS_URL)
    first, second = create_app(shared), create_app(shared)
    one, two = first.plugins.get(ChannelsPlugin), second.plugins.get(ChannelsPlugin)
    assert one is not two
    async with one, two, live.subscription(["city"], plugin=two) as heard:
        await asyncio.sleep(0.2)  # the Pub/Sub subscription is in place
        await live.publish("city", "disaster-mode", {"active": True}, plugin=one)
        event = await asyncio.wait_for(heard.get(), 5)
    assert (event.event, event.data) == ("disaster-mode", {"active": True})


async def test_a_command_outside_the_server_publishes_through_redis(settings, db, jobs):
    if not REDIS_URL:
        pytest.skip("Redis not configured: set MACHI_TEST_REDIS_URL to run this on it")
    shared = dataclasses.replace(settings, redis_url=REDIS_URL)
    server = create_app(shared).plugins.get(ChannelsPlugin)
    create_app(shared)  # like `machi disaster import-jma`: this process's channels never start
    async with server, live.subscription(["city"], plugin=server) as heard:
        await asyncio.sleep(0.2)
        async with live.standalone(shared):
            await live.publish("city", "disaster-mode", {"active": False})
        event = await asyncio.wait_for(heard.get(), 5)
    assert event.data == {"active": False}
