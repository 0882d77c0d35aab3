"""A push batch reads its recipients' devices, languages and unread counts through indexes: a
broadcast to a prefecture costs per recipient, not per recipient times every device on file."""

from __future__ import annotations

from typing import Any

from shell import jobs
from shell.notifications import api
from tests.helpers.plans import plans, scanned_tables, sqlite_engine, traced_reads
from tests.shell.notifications.conftest import resident, subscribe


async def test_a_push_batch_reads_by_index_only(app: Any, push: Any, db: Any, districts: Any):
    engine = sqlite_engine(db)
    async with resident(app) as (client, account):
        device = await subscribe(client, push)
        with traced_reads(engine) as reads:
            await api.notify_accounts(
                [account["id"]],
                title="断水",
                body="本文",
                url="/inbox",
                topic="city",
                source="city",
            )
            await jobs.drain()
    assert len(push.devices[device["id"]].messages) == 1
    assert any("notifications_push_subscription" in sql for sql, _ in reads)
    # the one VAPID key of the municipality is the only table read whole
    assert set(scanned_tables(engine, reads)) == {"notifications_vapid_key"}
    assert "notifications_push_subscription_account" in plans(engine, reads)
