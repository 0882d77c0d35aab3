"""Sessions live in the database by default and in Redis when MACHI_REDIS_URL is set."""

from __future__ import annotations

import asyncio
import dataclasses

import pytest

from shell.app import create_app
from shell.identity.tables import WebSession
from shell.web.session_store import DatabaseStore
from tests.conftest import REDIS_URL, make_client
from tests.helpers.authenticator import SoftAuthenticator
from tests.helpers.flows import signup


async def test_database_store_keeps_expires_and_deletes(db):
    store = DatabaseStore()
    await store.set("a", b"one", expires_in=60)
    await store.set("a", b"two", expires_in=60)
    assert await store.get("a") == b"two"
    assert await WebSession.count() == 1
    await store.set("short", b"x", expires_in=1)
    await asyncio.sleep(1.1)
    assert await store.get("short") is None
    await store.delete("a")
    assert await store.get("a") is None


async def test_sign_in_is_kept_in_the_database(client, districts):
    await signup(client, SoftAuthenticator())
    assert await WebSession.count() == 1


@pytest.fixture(name="redis_settings")
def fx_redis_settings(settings):
    if not REDIS_URL:
        pytest.skip("Redis not configured: set MACHI_TEST_REDIS_URL to run the Redis variant")
    return dataclasses.replace(settings, redis_url=REDIS_URL)


async def test_with_redis_two_workers_share_sessions(redis_settings, districts):
    from redis.asyncio import Redis

    worker_a, worker_b = create_app(redis_settings), create_app(redis_settings)
    async with make_client(worker_a) as browser:
        await signup(browser, SoftAuthenticator())
        assert await WebSession.count() == 0  # not in the database
        redis = Redis.from_url(REDIS_URL)
        try:
            keys = [k async for k in redis.scan_iter("machi:sessions*")]
            assert keys, "the session should be in Redis"
        finally:
            await redis.aclose()
        # The same cookie, sent to another worker, is the same signed-in resident.
        cookies = browser.cookies
        async with make_client(worker_b) as same_browser_other_worker:
            same_browser_other_worker.cookies = cookies
            home = await same_browser_other_worker.get("/")
            assert "こんにちは、武雄 花子さん" in home.text
