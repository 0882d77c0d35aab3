"""A push batch reads its recipients' devices, languages and unread counts through indexes: a
broadcast to a prefecture costs per recipient, not per recipient times every device on file.
And on PostgreSQL a notification's statements are the same texts whoever it goes to, so each
pooled connection prepares them once."""

from __future__ import annotations

from typing import Any

import pytest

from shell import jobs
from tests.helpers.plans import plans, scanned_tables, sqlite_engine, traced_reads
from tests.shell.notifications.conftest import notify, resident, subscribe


async def test_a_push_batch_reads_by_index_only(app: Any, push: Any, db: Any, districts: Any):
    engine = sqlite_engine(db)
    async with resident(app) as (client, account):
        device = await subscribe(client, push)
        with traced_reads(engine) as reads:
            await notify([account["id"]], title="断水")
            await jobs.drain()
    assert len(push.devices[device["id"]].messages) == 1
    assert any("notifications_push_subscription" in sql for sql, _ in reads)
    # the one VAPID key of the municipality is the only table read whole
    assert set(scanned_tables(engine, reads)) == {"notifications_vapid_key"}
    assert "notifications_push_subscription_account" in plans(engine, reads)


async def test_on_postgresql_a_notification_brings_no_statement_of_its_own(
    app: Any, push: Any, db: Any, districts: Any, monkeypatch: pytest.MonkeyPatch
):
    """asyncpg prepares each statement text once per pooled connection and keeps the last 100.
    Recipients' ids written into the text made every notification's statements new ones: each
    was prepared again (a round trip and a plan), and the pages' statements were pushed out of
    the cache. A second notification, to other residents, now sends only what the first sent."""
    if db.engine_type != "postgres":
        pytest.skip("statements are prepared and kept per connection on PostgreSQL")
    sent: list[str] = []
    run_in_pool = type(db)._run_in_pool

    async def traced(engine: Any, query: str, args: Any = None) -> Any:
        sent.append(query)
        return await run_in_pool(engine, query, args)

    async with (
        resident(app) as (first_client, first),
        resident(app) as (second_client, second),
        resident(app) as (third_client, third),
    ):
        devices = [await subscribe(c, push) for c in (first_client, second_client, third_client)]
        monkeypatch.setattr(type(db), "_run_in_pool", traced)
        for title, accounts in (("一通目", [first]), ("二通目", [second, third])):
            sent.append(f"-- {title}")
            await notify([a["id"] for a in accounts], title=title)
            await jobs.drain()
        monkeypatch.undo()
    assert [len(push.devices[d["id"]].messages) for d in devices] == [1, 1, 1]
    split = sent.index("-- 二通目")
    once, again = set(sent[1:split]), set(sent[split + 1 :])
    assert any("notifications_inbox_item" in query for query in again)
    assert again <= once, again - once
