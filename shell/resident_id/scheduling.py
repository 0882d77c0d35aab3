"""Housekeeping: forget expired credentials and old counter requests (least data, and the status
list keeps room: an expired credential fails on its own ``exp``, so its bit is no longer needed)."""

from __future__ import annotations

import datetime as dt

from shell import jobs
from shell.resident_id.actions import forget_status_cache
from shell.resident_id.tables import CounterRequest, Credential

GRACE = dt.timedelta(days=1)  # verifiers' clocks may lag; keep the bit a little longer


async def forget_expired() -> None:
    """Idempotent: deletes only what expired more than a day ago."""
    cutoff = dt.datetime.now(dt.UTC) - GRACE
    await Credential.delete().where(Credential.expires_at < cutoff)
    await CounterRequest.delete().where(CounterRequest.expires_at < cutoff)
    forget_status_cache()


jobs.periodic("resident_id.forget_expired", every=dt.timedelta(hours=1), run=forget_expired)
