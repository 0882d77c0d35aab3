"""What the periodic resume job picks up: half-sent messages, abandoned claims, lost push jobs;
and what it leaves alone: a message a live runner is pushing. Its timings are settings."""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
import subprocess
import sys

from shell import jobs
from shell.notifications import delivery, runtime, scheduling
from shell.notifications.tables import InboxItem, Message
from shell.settings import ROOT, Settings
from tests.shell.notifications.conftest import resident, subscribe

LONG_AGO = dt.datetime(2020, 1, 1, tzinfo=dt.UTC)


def test_the_claim_age_and_the_resume_period_are_settings(monkeypatch, settings):
    monkeypatch.setenv("MACHI_PUSH_CLAIM_SECONDS", "7")
    monkeypatch.setenv("MACHI_PUSH_RESUME_SECONDS", "3")
    read = Settings.from_env()
    assert (read.push_claim_seconds, read.push_resume_seconds) == (7, 3)
    assert (Settings().push_claim_seconds, Settings().push_resume_seconds) == (120, 60)
    runtime.configure(dataclasses.replace(settings, push_claim_seconds=7))
    assert delivery.stale_claim() == dt.timedelta(seconds=7)
    job = next(j for j in jobs.periodic_jobs() if j.name == "notifications.resume")
    assert job.every == dt.timedelta(seconds=60)  # read when the module is imported
    shown = subprocess.run(
        [sys.executable, "-c", "from shell import jobs; import shell.notifications.scheduling; "
         "print([j.every.seconds for j in jobs.periodic_jobs() if j.name.endswith('resume')])"],
        cwd=ROOT, env={**os.environ, "MACHI_PUSH_RESUME_SECONDS": "3"},
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    assert shown.stdout.strip() == "[3]"


async def _message(status: str, created_at: dt.datetime) -> int:
    inserted = await Message.insert(
        Message(
            kind="staff",
            source="city",
            topic="city",
            texts={"ja": {"title": "断水", "body": "本文"}},
            status=status,
            created_at=created_at,
        )
    ).returning(Message.id)
    return int(inserted[0]["id"])


async def test_a_message_left_half_sent_is_sent_again_once(app, push, districts):
    async with resident(app) as (client, _account):
        device = await subscribe(client, push)
        fresh = await _message("sending", dt.datetime.now(dt.UTC))  # its sender is still at it
        stuck = await _message("sending", LONG_AGO)  # its sender died before filling inboxes
        assert await scheduling.resume_sending() == 1
        await jobs.drain()
        assert await InboxItem.count().where(InboxItem.message == stuck) == 1
        assert await InboxItem.count().where(InboxItem.message == fresh) == 0
        assert (await Message.select(Message.status).where(Message.id == stuck).first()) == {
            "status": "sent"
        }
        assert await scheduling.resume_sending() == 0
        assert len(push.devices[device["id"]].messages) == 1


async def test_a_live_runner_is_left_alone_and_a_lost_push_job_resumed(app, push, districts):
    async with resident(app) as (client, account):
        device = await subscribe(client, push)
        message_id = await _message("sent", LONG_AGO)
        await delivery.fill_inboxes(message_id, [account["id"]])
        # A runner holds a fresh claim: nothing to resume, whatever the message's age.
        await delivery._claim(message_id)
        assert await delivery.resume_pushes() == 0
        # The claim was never made (the push job was lost): the old message is resumed once.
        await InboxItem.update({InboxItem.push_state: "pending"}).where(
            InboxItem.message == message_id
        )
        assert await delivery.resume_pushes() == 1
        await jobs.drain()
        assert len(push.devices[device["id"]].messages) == 1
        assert await delivery.resume_pushes() == 0
