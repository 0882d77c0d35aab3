"""Reminders: an unanswered correction after three days, an unpaid fee after a day; once each, in
the resident's language, and not for a muted resident again and again."""

from __future__ import annotations

import datetime as dt

from .conftest import module

actions = module("actions")
reminders = module("reminders")

DOG = {"name": "武雄 花子", "dog_name": "ハチ", "tag": "武-1", "change": "died",
       "died_on": "2026-11-01", "consent": "1"}  # fmt: skip
TAG = {"name": "Ana", "dog_name": "Bolt", "reason": "lost", "receive": "counter", "consent": "1"}


async def test_reminders_once_each(demo, platform):
    fixed = await actions.save("r1", "dog-change", DOG, submit=True, verified=False)
    await actions.decide(fixed["number"], "correction", "鑑札の番号を確かめてください")
    unpaid = await actions.save("r2", "dog-tag", TAG, submit=True, verified=False, locale="en")
    now = dt.datetime.now(dt.UTC)
    assert await reminders.send_reminders(platform.platform, now) == 0  # not due yet
    later = now + dt.timedelta(days=3, minutes=1)
    assert await reminders.send_reminders(platform.platform, later) == 2
    sent = {n["resident"]: n for n in platform.notifications}
    assert sent["r1"]["title"] == "補正のお願いへのお返事をお待ちしています"
    assert sent["r2"]["title"] == "We are waiting for your fee"
    assert sent["r2"]["url"] == f"/a/{unpaid['number']}"
    assert await reminders.send_reminders(platform.platform, later) == 0  # never twice
    # a second correction request on the same application is a new reminder
    await actions.answer_correction("r1", fixed["number"], {"tag": "武-2"}, "")
    await actions.decide(fixed["number"], "correction", "写真もお願いします")
    much_later = later + dt.timedelta(days=4)
    assert await reminders.send_reminders(platform.platform, much_later) == 1
