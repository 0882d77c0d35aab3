"""The reminders job: before a vaccination window opens and before it closes, information at the
child's age in months, the day before an interview; each sent once however often the job runs."""

from __future__ import annotations

import datetime as dt

from machi_sdk.testing import MemoryPlatform

from .conftest import module

actions = module("actions")
jobs = module("jobs")
tables = module("tables")
JST = actions.JST


def at(day: dt.date, hour: int = 9) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, hour, tzinfo=JST).astimezone(dt.UTC)


async def child(born: dt.date, guardians=("mother",), locale="ja") -> int:
    row = tables.HandbookChild(name="はな", sex="F", birth_date=born, created_by=guardians[0])
    await row.save()
    for who in guardians:
        await tables.HandbookGuardian.insert(
            tables.HandbookGuardian(child=row.id, subject=who, key=f"{row.id}|{who}", locale=locale)
        )
    return row.id


def titles(platform: MemoryPlatform, who: str = "mother") -> list[str]:
    return [n["title"] for n in platform.notifications if n["resident"] == who]


async def test_window_opening_and_closing_each_sent_once(db):
    platform = MemoryPlatform("handbook")
    born = dt.date(2026, 4, 1)
    await child(born, ("mother", "father"))
    # 2026-05-25: the 2-month age is reached on 5/31, within the 7 days ahead: the 5-in-1, PCV
    # and hep B... hep B opened at birth; the rotavirus vaccines opened on 5/13 (42 days)
    sent = await jobs.send_reminders(platform.platform, at(dt.date(2026, 5, 25)))
    mine = [n for n in platform.notifications if n["resident"] == "mother"]
    opening = [n for n in mine if n["title"] == "予防接種の時期が近づいています"]
    # one month old since 4/30: that month's information too
    assert {n["title"] for n in mine} - {n["title"] for n in opening} == {"1か月児健診の時期です"}
    bodies = " ".join(n["body"] for n in opening)
    assert "五種混合（DPT-IPV-Hib）（1期初回1回目）は2026年5月31日から" in bodies
    assert "小児の肺炎球菌（初回1回目）は2026年5月31日から" in bodies
    assert "B型肝炎" not in bodies
    assert "ロタ" not in bodies
    assert opening[0]["url"].endswith("/plan")
    assert sent == 2 * len(mine)  # the second guardian too
    again = await jobs.send_reminders(platform.platform, at(dt.date(2026, 5, 25), 15))
    assert again == 0  # nothing twice
    await jobs.send_reminders(platform.platform, at(dt.date(2026, 5, 26)))
    assert len(titles(platform)) == len(mine)
    # the rotavirus (1-dose product) window closes 2026-09-16 (168 days): two weeks before
    platform.notifications.clear()
    await jobs.send_reminders(platform.platform, at(dt.date(2026, 9, 5)))
    closing = [
        n["body"]
        for n in platform.notifications
        if n["resident"] == "mother" and n["title"] == "予防接種の期限が近づいています"
    ]
    assert any("ロタウイルス（1価・2回）" in b and "2026年9月16日" in b for b in closing)


async def test_a_dose_recorded_stops_its_reminders(db):
    platform = MemoryPlatform("handbook")
    born = dt.date(2026, 4, 1)
    child_id = await child(born)
    await tables.HandbookDose.insert(
        tables.HandbookDose(
            child=child_id,
            key=f"{child_id}|rota1|1",
            client_key="c1",
            vaccine="rota1",
            dose=1,
            given_on=dt.date(2026, 6, 1),
            author="mother",
        )
    )
    platform.notifications.clear()
    await jobs.send_reminders(platform.platform, at(dt.date(2026, 9, 5)))
    bodies = " ".join(n["body"] for n in platform.notifications)
    assert "ロタウイルス（5価・3回）" not in bodies  # the other product is not needed


async def test_childcare_information_at_the_right_month_once(db):
    platform = MemoryPlatform("handbook")
    born = dt.date(2025, 5, 20)
    await child(born, locale="en")
    # 18 months are reached on 2026-11-19 (the day before 11/20): the 1y6m message, in English
    await jobs.send_reminders(platform.platform, at(dt.date(2026, 11, 18)))
    assert "The 1 year 6 months checkup" not in titles(platform)
    await jobs.send_reminders(platform.platform, at(dt.date(2026, 11, 19)))
    assert titles(platform).count("The 1 year 6 months checkup") == 1
    await jobs.send_reminders(platform.platform, at(dt.date(2026, 11, 25)))
    assert titles(platform).count("The 1 year 6 months checkup") == 1


async def test_interview_reminder_the_day_before_once(db):
    platform = MemoryPlatform("handbook")
    start = dt.datetime.now(dt.UTC).replace(microsecond=0) + dt.timedelta(hours=30)
    await actions.add_slots("staff", start, 1, 30, "保健センター")
    slot = (await actions.free_slots())[0]["id"]
    await actions.book("mother", slot)
    await jobs.send_reminders(platform.platform, start - dt.timedelta(hours=40))
    assert "明日は面談の日です" not in titles(platform)
    await jobs.send_reminders(platform.platform, start - dt.timedelta(hours=20))
    await jobs.send_reminders(platform.platform, start - dt.timedelta(hours=19))
    assert titles(platform).count("明日は面談の日です") == 1


def test_months_old_counts_the_legal_way():
    born = dt.date(2024, 1, 31)
    assert jobs.months_old(born, dt.date(2024, 2, 28)) == 0
    assert jobs.months_old(born, dt.date(2024, 2, 29)) == 1  # reached on the month's last day
    assert jobs.months_old(born, dt.date(2025, 1, 30)) == 12  # the day before the birthday


async def test_a_dose_counting_from_one_not_given_is_not_announced_every_day(db):
    # Japanese encephalitis dose 2 may follow dose 1 by 7 days; dose 1 (open since 6 months) is
    # not given, so dose 2's earliest moves on with every day: it must not be announced daily.
    platform = MemoryPlatform("handbook")
    await child(dt.date(2025, 1, 10))
    for day in (dt.date(2026, 11, 2), dt.date(2026, 11, 3), dt.date(2026, 11, 4)):
        await jobs.send_reminders(platform.platform, at(day))
    assert not [n for n in platform.notifications if "日本脳炎" in n["body"]]
