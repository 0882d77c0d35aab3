"""The notifications area's periodic work: scheduled staff messages go out when their time
comes, and pushes that a crashed runner left unfinished start again."""

from __future__ import annotations

import datetime as dt
from datetime import timedelta

from shell import jobs
from shell.notifications import actions
from shell.notifications import delivery as _delivery  # also registers the push tasks
from shell.notifications.tables import Message
from shell.settings import Settings


async def send_due_messages() -> None:
    await actions.send_due()


async def resume_sending() -> int:
    """Send again the messages left "sending" for longer than a push claim lasts: the process
    filling their inboxes died half-way (``actions.send`` is safe to run twice). How many."""
    stale = dt.datetime.now(dt.UTC) - _delivery.stale_claim()
    rows = await Message.select(Message.id).where(
        (Message.status == "sending")
        & (Message.created_at < stale)
        & ((Message.scheduled_at.is_null()) | (Message.scheduled_at < stale))
    )
    for row in rows:
        await actions.send(row["id"])
    return len(rows)


async def resume_pushes() -> None:
    await resume_sending()
    await _delivery.resume_pushes()


jobs.periodic("notifications.send_due", every=timedelta(seconds=30), run=send_due_messages)
# Runs when the job runner starts (a new worker after a crash resumes at once), then every
# MACHI_PUSH_RESUME_SECONDS.
jobs.periodic(
    "notifications.resume",
    every=timedelta(seconds=Settings.from_env().push_resume_seconds),
    run=resume_pushes,
)
