"""The notifications area's periodic work: scheduled staff messages go out when their time
comes, and pushes that a crashed runner left unfinished start again."""

from __future__ import annotations

from datetime import timedelta

from shell import jobs
from shell.notifications import actions
from shell.notifications import delivery as _delivery  # also registers the push tasks


async def send_due_messages() -> None:
    await actions.send_due()


async def resume_pushes() -> None:
    await _delivery.resume_pushes()


jobs.periodic("notifications.send_due", every=timedelta(seconds=30), run=send_due_messages)
jobs.periodic("notifications.resume", every=timedelta(minutes=1), run=resume_pushes)
