"""The wallet's periodic work: expired points go back to the city, abandoned top-ups time out.
Both are idempotent (at-least-once delivery): expiry keys name the account and what it held."""

from __future__ import annotations

from datetime import timedelta

from shell import jobs
from shell.wallet import actions

TOP_UP_TIMEOUT = timedelta(minutes=30)


async def expire_points() -> None:
    await actions.expire_points()


async def time_out_top_ups() -> None:
    await actions.expire_stale_top_ups(TOP_UP_TIMEOUT)


@jobs.task("wallet.deliver_webhook")
async def deliver_webhook(message_id: str) -> None:
    from shell.wallet import apppay

    await apppay.deliver(message_id, shell_secret=apppay.current_secret())


async def retry_webhooks() -> None:
    """Webhooks not yet delivered are tried again, backing off (at-least-once, signed ids)."""
    from shell.wallet import apppay

    secret = apppay.current_secret()
    for message_id in await apppay.owed():
        await apppay.deliver(message_id, shell_secret=secret)


jobs.periodic("wallet.retry_webhooks", every=timedelta(minutes=1), run=retry_webhooks)
jobs.periodic("wallet.expire_points", every=timedelta(minutes=10), run=expire_points)
jobs.periodic("wallet.time_out_top_ups", every=timedelta(minutes=5), run=time_out_top_ups)
