"""Who a staff notification goes to: districts, age bands, children's ages and languages, in any
mix. Children's ages come from the months of birth residents chose to give (optional, settings).

Within one criterion the choices are alternatives (district A *or* B); across criteria they all
apply (district A *and* aged 65 or over). An empty segment is everyone, which a second notifier
must approve. Residents who muted the message's topic are left out unless the topic is locked.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import msgspec
from piccolo.columns.combination import Or, Where
from piccolo.query.base import Query

from shell.identity.tables import Account
from shell.notifications.tables import ChildBirthMonth, MutedTopic
from shell.notifications.topics import LOCKED
from shell.web.i18n import lazy

# band -> (youngest age, oldest age or None)
AGE_BANDS: dict[str, tuple[int, int | None]] = {
    "under18": (0, 17),
    "18-39": (18, 39),
    "40-64": (40, 64),
    "65-74": (65, 74),
    "75+": (75, None),
}
AGE_BAND_LABELS: dict[str, str] = {
    "under18": lazy("18歳未満"),
    "18-39": lazy("18〜39歳"),
    "40-64": lazy("40〜64歳"),
    "65-74": lazy("65〜74歳"),
    "75+": lazy("75歳以上"),
}

# children's ages: band -> (youngest, oldest) in whole years, the stages of Japanese childcare
CHILD_AGES: dict[str, tuple[int, int]] = {
    "0": (0, 0),
    "1-2": (1, 2),
    "3-5": (3, 5),
    "6-11": (6, 11),
    "12-14": (12, 14),
    "15-17": (15, 17),
}
CHILD_AGE_LABELS: dict[str, str] = {
    "0": lazy("0歳"),
    "1-2": lazy("1〜2歳"),
    "3-5": lazy("3〜5歳（就学前）"),
    "6-11": lazy("6〜11歳（小学生の年齢）"),
    "12-14": lazy("12〜14歳（中学生の年齢）"),
    "15-17": lazy("15〜17歳"),
}


class Segment(msgspec.Struct, frozen=True, omit_defaults=True):
    districts: tuple[int, ...] = ()
    age_bands: tuple[str, ...] = ()
    languages: tuple[str, ...] = ()
    child_ages: tuple[str, ...] = ()  # has a child of one of these ages

    @property
    def everyone(self) -> bool:
        return not (self.districts or self.age_bands or self.languages or self.child_ages)

    def as_json(self) -> dict[str, Any]:
        return msgspec.to_builtins(self)  # type: ignore[no-any-return]

    @classmethod
    def from_json(cls, value: Any) -> Segment:
        return msgspec.convert(value or {}, cls)


def _years_ago(today: dt.date, years: int) -> dt.date:
    try:
        return today.replace(year=today.year - years)
    except ValueError:  # 29 February
        return today.replace(year=today.year - years, day=28)


def _age_band(band: str, today: dt.date) -> Where | Any:
    youngest, oldest = AGE_BANDS[band]
    # aged >= youngest: born on or before today minus youngest years
    condition = Account.birth_date <= _years_ago(today, youngest)
    if oldest is not None:
        condition = condition & (Account.birth_date > _years_ago(today, oldest + 1))
    return condition


def _months_ago(today: dt.date, months: int) -> dt.date:
    """The first day of the month ``months`` before ``today``'s month."""
    index = today.year * 12 + today.month - 1 - months
    return dt.date(index // 12, index % 12 + 1, 1)


def _child_age(band: str, today: dt.date) -> Where | Any:
    """Born in a month that makes the child ``youngest``..``oldest`` whole years old this month
    (a birth month is all that is kept: the birthday counts as the month's first day)."""
    youngest, oldest = CHILD_AGES[band]
    return (ChildBirthMonth.born <= _months_ago(today, 12 * youngest)) & (
        ChildBirthMonth.born > _months_ago(today, 12 * (oldest + 1))
    )


def _any(conditions: list[Any]) -> Any:
    combined = conditions[0]
    for condition in conditions[1:]:
        combined = Or(combined, condition)
    return combined


def _filtered(query: Query[Any, Any], segment: Segment, today: dt.date) -> Any:
    if segment.districts:
        query = query.where(Account.district.is_in(list(segment.districts)))
    if segment.languages:
        query = query.where(Account.language.is_in(list(segment.languages)))
    if segment.age_bands:
        query = query.where(_any([_age_band(band, today) for band in segment.age_bands]))
    return query


async def members(segment: Segment, today: dt.date | None = None) -> list[int]:
    """Every account in the segment (a points campaign's residents, say), nobody left out."""
    today = today or dt.date.today()
    rows = await _filtered(Account.select(Account.id), segment, today)
    if not segment.child_ages:
        return [row["id"] for row in rows]
    parents = await ChildBirthMonth.select(ChildBirthMonth.account).where(
        _any([_child_age(band, today) for band in segment.child_ages])
    )
    # intersected here rather than by an IN list, which has a parameter limit per query
    wanted = {row["account"] for row in parents}
    return [row["id"] for row in rows if row["id"] in wanted]


async def account_ids(segment: Segment, topic: str, today: dt.date | None = None) -> list[int]:
    """Every account the segment reaches for ``topic``, muted ones left out."""
    ids = await members(segment, today)
    if topic in LOCKED or not ids:
        return ids
    muted = {
        row["account"]
        for row in await MutedTopic.select(MutedTopic.account).where(MutedTopic.topic == topic)
    }
    return [account_id for account_id in ids if account_id not in muted]


async def reach(segment: Segment, topic: str) -> int:
    return len(await account_ids(segment, topic))
