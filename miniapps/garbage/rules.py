"""The collection-day rule engine: rules are stored, dates are computed.

A :class:`Rule` is one of

- ``weekly``: every given weekday (``月``);
- ``nth``: the n-th given weekday of the month (``金1`` is the first Friday);
- ``date``: one extra date (``20210105``), added to the other rules of the cell.

``weekly`` and ``nth`` rules may be limited to some months (``火2 金4:4 6 8 10 12 2``). A
:class:`Policy` says what the municipality does on public holidays (collect, as 5374 data
assumes, or skip) and with collections that fall in a pause of the collection centre (drop them,
as Saga City does, or shift them a week later, as Kanazawa does). Extra dates are explicit and are
neither dropped nor shifted.
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import jpholiday

WEEKDAYS = "月火水木金土日"
HOLIDAY_POLICIES = ("collect", "skip")
PAUSE_POLICIES = ("drop", "shift_week")


class RuleError(ValueError):
    """A token that is not a rule; the message says which and why (for the importer's report)."""


@dataclass(frozen=True)
class Rule:
    """One stored rule of one category in one area."""

    kind: str  # "weekly" | "nth" | "date"
    weekday: int | None = None  # Monday is 0
    nth: int | None = None  # 1..5
    months: frozenset[int] = frozenset()  # empty: every month
    date: dt.date | None = None

    def __post_init__(self) -> None:
        if self.kind == "date":
            if self.date is None:
                raise RuleError("a date rule needs a date")
        elif self.kind in ("weekly", "nth"):
            if self.weekday is None or not 0 <= self.weekday <= 6:
                raise RuleError("a weekday is 0 (Monday) to 6")
            if self.kind == "nth" and (self.nth is None or not 1 <= self.nth <= 5):
                raise RuleError("n is 1 to 5")
            if any(not 1 <= m <= 12 for m in self.months):
                raise RuleError("months are 1 to 12")
        else:
            raise RuleError(f"unknown rule kind {self.kind!r}")

    def dates_in(self, year: int, month: int) -> list[dt.date]:
        """The dates this rule gives in one month, before holidays and pauses."""
        if self.kind == "date":
            assert self.date is not None
            return [self.date] if (self.date.year, self.date.month) == (year, month) else []
        if self.months and month not in self.months:
            return []
        assert self.weekday is not None
        days = [
            dt.date(year, month, day)
            for day in range(1, calendar.monthrange(year, month)[1] + 1)
            if dt.date(year, month, day).weekday() == self.weekday
        ]
        if self.kind == "weekly":
            return days
        assert self.nth is not None
        return days[self.nth - 1 : self.nth]

    def token(self) -> str:
        """The rule written as a 5374 token (months after a colon)."""
        if self.kind == "date":
            assert self.date is not None
            return self.date.strftime("%Y%m%d")
        assert self.weekday is not None
        text = WEEKDAYS[self.weekday] + (str(self.nth) if self.kind == "nth" else "")
        if self.months:
            text += ":" + " ".join(str(m) for m in sorted(self.months))
        return text


@dataclass(frozen=True)
class Pause:
    """The collection centre does not collect from ``start`` to ``end`` (both included)."""

    start: dt.date
    end: dt.date

    def __contains__(self, day: object) -> bool:
        return isinstance(day, dt.date) and self.start <= day <= self.end


@dataclass(frozen=True)
class Policy:
    """What the municipality does on public holidays and in pauses."""

    holidays: str = "collect"
    pauses: str = "drop"
    pause_list: tuple[Pause, ...] = field(default_factory=tuple)

    def __post_init__(self) -> None:
        if self.holidays not in HOLIDAY_POLICIES:
            raise RuleError(f"holiday policy is one of {HOLIDAY_POLICIES}")
        if self.pauses not in PAUSE_POLICIES:
            raise RuleError(f"pause policy is one of {PAUSE_POLICIES}")

    def paused(self, day: dt.date) -> bool:
        return any(day in pause for pause in self.pause_list)


def is_holiday(day: dt.date) -> bool:
    """Whether ``day`` is a Japanese public holiday (jpholiday's data)."""
    return bool(jpholiday.is_holiday(day))


def parse_cell(cell: str, remarks: dict[str, str] | None = None) -> list[Rule]:
    """The rules of one 5374 ``area_days.csv`` cell; :class:`RuleError` names the bad token.

    ``*N`` stands for the tokens of remark ``N`` (``remarks.csv``). An empty cell has no rules.
    """
    text = cell.strip()
    if text.startswith("*"):
        key = text[1:]
        found = (remarks or {}).get(key)
        if found is None:
            raise RuleError(f"{text}: there is no remark {key}")
        try:
            return parse_cell(found, None)
        except RuleError as exc:
            raise RuleError(f"{text}: remark {key} is not a schedule ({exc})") from None
    months: frozenset[int] = frozenset()
    if ":" in text:
        text, _, month_text = text.partition(":")
        try:
            parsed = [int(m) for m in month_text.split()]
        except ValueError:
            raise RuleError(f"{month_text.strip()!r} is not a list of months") from None
        if not parsed or any(not 1 <= m <= 12 for m in parsed):
            raise RuleError(f"{month_text.strip()!r} is not a list of months 1 to 12")
        months = frozenset(parsed)
    rules = []
    for token in text.split():
        rules.append(parse_token(token, months))
    return rules


def parse_token(token: str, months: frozenset[int] = frozenset()) -> Rule:
    """One token: ``月``, ``金1``, or ``YYYYMMDD``."""
    if token.isdigit() and len(token) == 8:
        try:
            day = dt.date(int(token[:4]), int(token[4:6]), int(token[6:]))
        except ValueError:
            raise RuleError(f"{token}: not a date") from None
        return Rule("date", date=day)
    if token and token[0] in WEEKDAYS:
        weekday = WEEKDAYS.index(token[0])
        rest = token[1:]
        if rest == "":
            return Rule("weekly", weekday=weekday, months=months)
        if rest.isdigit() and len(rest) == 1 and 1 <= int(rest) <= 5:
            return Rule("nth", weekday=weekday, nth=int(rest), months=months)
    raise RuleError(f"{token}: not a weekday (月…日), an n-th weekday (金1) or a date (YYYYMMDD)")


def dates_in_month(rules: Iterable[Rule], year: int, month: int, policy: Policy) -> list[dt.date]:
    """Every collection date of one category in one month, holidays and pauses applied."""
    first = dt.date(year, month, 1)
    last = dt.date(year, month, calendar.monthrange(year, month)[1])
    rules = list(rules)
    found: set[dt.date] = set()
    regular = [r for r in rules if r.kind != "date"]
    if policy.pauses == "shift_week" and policy.pause_list:
        # A date shifted out of a pause may come from the month before.
        before = first - dt.timedelta(days=1)
        months = [(before.year, before.month), (year, month)]
    else:
        months = [(year, month)]
    for y, m in months:
        for rule in regular:
            for day in rule.dates_in(y, m):
                if policy.paused(day):
                    if policy.pauses == "drop":
                        continue
                    while policy.paused(day):
                        day += dt.timedelta(days=7)
                if policy.holidays == "skip" and is_holiday(day):
                    continue  # after a shift too: a shifted date may land on a holiday
                if first <= day <= last:
                    found.add(day)
    for rule in rules:
        if rule.kind == "date":
            found.update(rule.dates_in(year, month))
    return sorted(found)


def dates_between(
    rules: Sequence[Rule], start: dt.date, end: dt.date, policy: Policy
) -> list[dt.date]:
    """Collection dates from ``start`` to ``end`` (both included)."""
    out: list[dt.date] = []
    year, month = start.year, start.month
    while (year, month) <= (end.year, end.month):
        out.extend(d for d in dates_in_month(rules, year, month, policy) if start <= d <= end)
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return out


def month_grid(year: int, month: int) -> list[list[dt.date | None]]:
    """The weeks of a month, Sunday first (as Japanese paper calendars), ``None`` outside it."""
    cal = calendar.Calendar(firstweekday=6)
    return [
        [day if day.month == month else None for day in week]
        for week in cal.monthdatescalendar(year, month)
    ]
