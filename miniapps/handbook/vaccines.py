"""The routine immunisation plan: the legal age count, the rules as data, and the planner.

The rules are TOML files in ``rules/`` named ``vaccines-YYYY-MM-DD.toml``, each with the date it
took effect; :func:`rules_for` picks the newest in force on a given day. The planner works each
dose out from the birth date and the doses already recorded: the earliest legal date (the age the
vaccine may start, and the minimum interval after the dose it counts from), the standard window
and the last eligible date. No Litestar here; the command ``machi handbook plan`` prints it.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
import tomllib
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

RULES = Path(__file__).parent / "rules"
_AGE = re.compile(r"^(?:(\d+)y)?(?:(\d+)m)?(?:(\d+)d)?$")


def add_months(day: dt.date, months: int) -> dt.date:
    """The same day of the month ``months`` later (the month's last day when it has none)."""
    total = day.year * 12 + day.month - 1 + months
    year, month = divmod(total, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return dt.date(year, month + 1, min(day.day, last))


def reached(born: dt.date, months: int) -> dt.date:
    """The day a child born on ``born`` reaches the age of ``months`` months, as the Act on Age
    Calculation (年齢計算ニ関スル法律) and the Civil Code (art. 143) count it: the birth day counts
    as the first day, so the age is reached when the day before the monthly anniversary ends;
    when the final month has no such day (born on the 31st), on the last day of that month."""
    total = born.year * 12 + born.month - 1 + months
    year, month = divmod(total, 12)
    last = calendar.monthrange(year, month + 1)[1]
    if born.day > last:
        return dt.date(year, month + 1, last)
    return dt.date(year, month + 1, born.day) - dt.timedelta(days=1)


def school_entry(born: dt.date) -> dt.date:
    """The first 1 April after the day the child reaches 6 (学校教育法 art. 17: the school year
    beginning after the day following the sixth birthday's reaching)."""
    six = reached(born, 72) + dt.timedelta(days=1)
    april = dt.date(six.year, 4, 1)
    return april if six <= april else dt.date(six.year + 1, 4, 1)


def _parse_age(text: str) -> tuple[int, int]:
    """``"7y6m"`` → (90 months, 0 days); ``"42d"`` → (0, 42)."""
    found = _AGE.match(text)
    if not found or not text:
        raise ValueError(f"bad age {text!r}")
    years, months, days = (int(g) if g else 0 for g in found.groups())
    if days and (years or months):
        raise ValueError(f"an age is months or days after birth, not both: {text!r}")
    return years * 12 + months, days


def fiscal_year_start(day: dt.date) -> dt.date:
    """1 April of the school and fiscal year (年度) ``day`` is in."""
    return dt.date(day.year if day.month >= 4 else day.year - 1, 4, 1)


def age_start(born: dt.date, text: str) -> dt.date:
    """The first day of the age ``text`` (その年齢に至った日); for ``"fy12"``, the first day of
    the fiscal year in which the child reaches 12 (12歳となる日の属する年度の初日)."""
    if text == "preschool":
        return dt.date(school_entry(born).year - 1, 4, 1)
    if text.startswith("fy"):
        return fiscal_year_start(reached(born, 12 * int(text[2:])))
    months, days = _parse_age(text)
    if days or not months:
        return born + dt.timedelta(days=days)
    return reached(born, months)


def age_end(born: dt.date, text: str) -> dt.date:
    """The last day before the age ``text`` (その年齢に至るまで): the day it is reached is still
    before it, since the age is reached only when that day ends. Days after birth are inclusive
    (出生24週0日後まで)."""
    if text == "preschool":
        return school_entry(born) - dt.timedelta(days=1)
    if text.startswith("fy"):  # the last day of that fiscal year (その年度の末日)
        start = fiscal_year_start(reached(born, 12 * int(text[2:])))
        return dt.date(start.year + 1, 3, 31)
    months, days = _parse_age(text)
    if days or not months:
        return born + dt.timedelta(days=days)
    return reached(born, months)


def after_interval(day: dt.date, text: str) -> dt.date:
    """The first day a dose may follow one given on ``day`` with at least ``text`` between:
    ``"27d"`` is 27 clear days (28 days on), ``"6m"`` the same day six months on."""
    months, days = _parse_age(text)
    if months:
        return add_months(day, months) + dt.timedelta(days=days)
    return day + dt.timedelta(days=days + 1)


def within_interval(day: dt.date, text: str) -> dt.date:
    """The last day of a standard interval ``text`` after ``day`` (``"56d"``: 56 clear days)."""
    return after_interval(day, text)


@dataclass(frozen=True)
class Dose:
    vaccine: str
    dose: int
    label: dict[str, str]
    start: str
    end: str
    interval: str | None = None
    after: int | None = None
    standard: tuple[str, str] | None = None
    standard_interval: tuple[str, str] | None = None


@dataclass(frozen=True)
class Vaccine:
    id: str
    name: dict[str, str]
    doses: tuple[Dose, ...]
    alternative: str | None = None
    note: dict[str, str] = field(default_factory=dict)
    sex: str | None = None  # "F": routine for girls only


@dataclass(frozen=True)
class RuleSet:
    effective_from: dt.date
    version: str
    source: str
    vaccines: tuple[Vaccine, ...]

    def vaccine(self, vaccine_id: str) -> Vaccine | None:
        return next((v for v in self.vaccines if v.id == vaccine_id), None)


def _load(path: Path) -> RuleSet:
    raw = tomllib.loads(path.read_text(encoding="utf-8"))
    vaccines = []
    for v in raw["vaccine"]:
        doses = []
        for d in v["doses"]:
            doses.append(
                Dose(
                    vaccine=v["id"],
                    dose=int(d["dose"]),
                    label=dict(d["label"]),
                    start=d.get("from", v["from"]),
                    end=d.get("until", v["until"]),
                    interval=d.get("interval"),
                    after=d.get("after"),
                    standard=tuple(d["standard"]) if "standard" in d else None,  # type: ignore[arg-type]
                    standard_interval=tuple(d["standard_interval"])  # type: ignore[arg-type]
                    if "standard_interval" in d
                    else None,
                )
            )
        vaccines.append(
            Vaccine(
                v["id"],
                dict(v["name"]),
                tuple(doses),
                v.get("alternative"),
                dict(v.get("note", {})),
                v.get("sex"),
            )
        )
    return RuleSet(raw["effective_from"], str(raw["version"]), str(raw["source"]), tuple(vaccines))


@cache
def rule_sets(folder: Path = RULES) -> tuple[RuleSet, ...]:
    """Every rules file in ``folder``, oldest first."""
    sets = [_load(p) for p in sorted(folder.glob("vaccines-*.toml"))]
    return tuple(sorted(sets, key=lambda s: s.effective_from))


def rules_for(on: dt.date, folder: Path = RULES) -> RuleSet:
    """The rules in force on ``on``: the newest set whose ``effective_from`` is not after it."""
    sets = [s for s in rule_sets(folder) if s.effective_from <= on]
    if not sets:
        raise LookupError(f"no vaccination rules in force on {on.isoformat()}")
    return sets[-1]


@dataclass
class PlannedDose:
    vaccine: str
    dose: int
    label: dict[str, str]
    earliest: dt.date
    last: dt.date
    standard_from: dt.date | None
    standard_until: dt.date | None
    given: dt.date | None = None
    flag: str | None = None  # "too_early" | "too_late" for a recorded dose outside the law
    status: str = "upcoming"  # done | due | upcoming | missed | flagged | not_needed
    # the earliest date counts from an earlier dose not given yet (as if given at its earliest)
    assumed: bool = False

    def as_json(self) -> dict[str, Any]:
        def iso(d: dt.date | None) -> str | None:
            return d.isoformat() if d else None

        return {
            "vaccine": self.vaccine,
            "dose": self.dose,
            "label": self.label["ja"],
            "earliest": iso(self.earliest),
            "last": iso(self.last),
            "standard_from": iso(self.standard_from),
            "standard_until": iso(self.standard_until),
            "given": iso(self.given),
            "flag": self.flag,
            "status": self.status,
        }


def _standard(born: dt.date, dose: Dose, ref: dt.date | None) -> tuple[dt.date | None, ...]:
    if dose.standard:
        return age_start(born, dose.standard[0]), age_end(born, dose.standard[1])
    if dose.standard_interval and ref is not None:
        low, high = dose.standard_interval
        return after_interval(ref, low), within_interval(ref, high)
    return None, None


def plan(
    born: dt.date,
    given: dict[tuple[str, int], dt.date] | None = None,
    on: dt.date | None = None,
    rules: RuleSet | None = None,
    sex: str | None = None,
) -> list[PlannedDose]:
    """Every dose of every routine vaccine for a child born on ``born`` (of ``sex``, "F" or "M":
    vaccines routine for one sex only are left out for the other; all when not given).

    ``given`` maps ``(vaccine, dose)`` to the day it was given. A dose not yet given counts from
    the one before it as given, or, when that is not given either, as if given on its own
    earliest date but not before ``on`` (today): the earliest the child could still have it.
    A recorded dose before its earliest legal date, or after the last, is flagged (and still
    counts as given: the doses after it are planned from it).
    """
    given = given or {}
    on = on or dt.date.today()
    rules = rules or rules_for(on)
    out: list[PlannedDose] = []
    for vaccine in rules.vaccines:
        if sex and vaccine.sex and vaccine.sex != sex:
            continue
        alt = vaccine.alternative
        if alt and any(k[0] == alt for k in given) and not any(k[0] == vaccine.id for k in given):
            skip = True  # the other product of the pair was chosen
        else:
            skip = False
        done: dict[int, dt.date] = {}  # dose -> the day it was (or would at the earliest be) given
        assumed: set[int] = set()  # doses in ``done`` not given yet
        for dose in vaccine.doses:
            earliest = age_start(born, dose.start)
            ref_day = None
            if dose.interval:
                ref_no = dose.after or dose.dose - 1
                ref_day = done.get(ref_no)
                if ref_day is not None:
                    earliest = max(earliest, after_interval(ref_day, dose.interval))
                guess = ref_no in assumed
            else:
                guess = False
            last = age_end(born, dose.end)
            standard_from, standard_until = _standard(born, dose, ref_day)
            item = PlannedDose(
                vaccine.id,
                dose.dose,
                dose.label,
                earliest,
                last,
                standard_from,
                standard_until,
                assumed=guess,
            )
            when = given.get((vaccine.id, dose.dose))
            if when is not None:
                item.given = when
                if when < earliest:
                    item.flag = "too_early"
                elif when > last:
                    item.flag = "too_late"
                item.status = "flagged" if item.flag else "done"
                done[dose.dose] = when
            else:
                if skip:
                    item.status = "not_needed"
                elif on > last:
                    item.status = "missed"
                elif on >= earliest:
                    item.status = "due"
                done[dose.dose] = max(earliest, on)
                assumed.add(dose.dose)
            out.append(item)
    return out


def parse_given(values: list[str] | tuple[str, ...]) -> dict[tuple[str, int], dt.date]:
    """``["pcv:1:2024-06-01", ...]`` → ``{("pcv", 1): date(2024, 6, 1)}``; ValueError if bad."""
    out: dict[tuple[str, int], dt.date] = {}
    for value in values:
        parts = value.split(":")
        if len(parts) != 3:
            raise ValueError(f"{value!r} is not VACCINE:DOSE:YYYY-MM-DD")
        out[(parts[0], int(parts[1]))] = dt.date.fromisoformat(parts[2])
    return out


def plan_json(
    born: dt.date, given: dict[tuple[str, int], dt.date], on: dt.date, sex: str | None = None
) -> dict[str, Any]:
    rules = rules_for(on)
    unknown = [
        k
        for k in given
        if not rules.vaccine(k[0]) or k[1] not in [d.dose for d in rules.vaccine(k[0]).doses]
    ]  # type: ignore[union-attr]
    if unknown:
        raise ValueError(f"unknown vaccine or dose: {', '.join(f'{v}:{d}' for v, d in unknown)}")
    return {
        "born": born.isoformat(),
        "on": on.isoformat(),
        "rules": rules.version,
        "rules_effective_from": rules.effective_from.isoformat(),
        "source": rules.source,
        "doses": [d.as_json() for d in plan(born, given, on, rules, sex)],
    }
