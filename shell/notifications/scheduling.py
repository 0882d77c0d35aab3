"""The notifications area's periodic work: scheduled staff messages go out when their time comes."""

from __future__ import annotations

from datetime import timedelta

from shell import jobs
from shell.notifications import actions
from shell.notifications import delivery as _delivery  # noqa: F401  (registers the push tasks)


async def send_due_messages() -> None:
    await actions.send_due()


jobs.periodic("notifications.send_due", every=timedelta(seconds=30), run=send_due_messages)
