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


jobs.periodic("wallet.expire_points", every=timedelta(minutes=10), run=expire_points)
jobs.periodic("wallet.time_out_top_ups", every=timedelta(minutes=5), run=time_out_top_ups)
