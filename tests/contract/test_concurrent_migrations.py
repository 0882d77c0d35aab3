"""App servers that start together on one PostgreSQL database migrate it once, in turn."""

from __future__ import annotations

import asyncio

import pytest

from shell import db
from tests.conftest import POSTGRES_URL, _create_postgres_database, _drop_postgres_database


async def test_two_servers_starting_at_once_both_come_up():
    if not POSTGRES_URL:
        pytest.skip("PostgreSQL not configured: set MACHI_TEST_POSTGRES_URL to run this on it")
    name, url = await _create_postgres_database()
    engine = db.engine_for_url(url)
    await db.start(engine)
    try:
        db.bind(engine)
        await asyncio.gather(db.migrate(), db.migrate())
        from piccolo.apps.migrations.tables import Migration

        applied = await Migration.select(Migration.name, Migration.app_name)
        assert len(applied) == len({(row["app_name"], row["name"]) for row in applied})
    finally:
        await db.stop(engine)
        await _drop_postgres_database(name)
