"""The rule engine: Saga's worked example, more Saga dates checked by hand, and properties."""

from __future__ import annotations

import calendar
import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from .conftest import module

rules = module("rules")
Rule, Pause, Policy = rules.Rule, rules.Pause, rules.Policy

SAGA_PAUSE = Pause(dt.date(2020, 12, 30), dt.date(2021, 1, 3))
SAGA = Policy(pause_list=(SAGA_PAUSE,))


def days(cell: str, year: int, month: int, policy: Policy = SAGA) -> list[int]:
    return [d.day for d in rules.dates_in_month(rules.parse_cell(cell), year, month, policy)]


def test_worked_example_imajuku_january_2021():
    assert days("月 木", 2021, 1) == [4, 7, 11, 14, 18, 21, 25, 28]
    assert days("金1 金3", 2021, 1) == [15]  # the 1st Friday, 1/1, falls in the pause
    assert days("金2 金4", 2021, 1) == [8, 22]
    assert days("水1 水3", 2021, 1) == [6, 20]


def test_more_saga_dates_against_a_paper_calendar():
    # 鬼丸町: 火 金 / 木1 木3 / 木2 木4 / 水2 水4 — December 2020 has the pause from the 30th.
    assert days("火 金", 2020, 12) == [1, 4, 8, 11, 15, 18, 22, 25, 29]  # 12/29 yes, not 1/1
    assert days("木1 木3", 2020, 12) == [3, 17]
    assert days("木2 木4", 2020, 12) == [10, 24]
    assert days("水2 水4", 2021, 2) == [10, 24]
    # 2021-02-11 (建国記念の日) is a Thursday: 5374 data collects on holidays.
    assert 11 in days("月 木", 2021, 2)


def test_holidays_skipped_when_the_city_says_so():
    skip = Policy(holidays="skip", pause_list=(SAGA_PAUSE,))
    assert 11 not in days("月 木", 2021, 2, skip)
    assert days("月 木", 2021, 1, skip) == [4, 7, 14, 18, 21, 25, 28]  # 1/11 成人の日


def test_pause_shifted_a_week_kanazawa_style():
    shift = Policy(pauses="shift_week", pause_list=(SAGA_PAUSE,))
    assert days("金1 金3", 2021, 1, shift) == [8, 15]
    # 12/31 (Thursday, in the pause) moves to 1/7, which already is a collection: one date.
    assert days("月 木", 2021, 1, shift) == [4, 7, 11, 14, 18, 21, 25, 28]


def test_month_limits_and_extra_dates():
    cell = "火2 金4:4 6 8 10 12 2"
    assert days(cell, 2021, 4) == [13, 23]
    assert days(cell, 2021, 5) == []
    # A YYYYMMDD token adds a date to the cell's rules rather than replacing them.
    assert days("水1 20210127", 2021, 1) == [6, 27]
    # An extra date is explicit: a pause does not remove it.
    assert days("20210102", 2021, 1) == [2]


@pytest.mark.parametrize(
    ("cell", "fragment"),
    [
        ("月 祝", "祝"),
        ("金6", "金6"),
        ("20210230", "not a date"),
        ("月:13", "months 1 to 12"),
        ("月:四", "not a list of months"),
        ("*9", "no remark 9"),
    ],
)
def test_bad_tokens_are_named(cell, fragment):
    with pytest.raises(rules.RuleError, match=fragment):
        rules.parse_cell(cell)


def test_remark_pointer_reads_the_remark():
    assert rules.parse_cell("*1", {"1": "火"}) == [Rule("weekly", weekday=1)]
    with pytest.raises(rules.RuleError, match="not a schedule"):
        rules.parse_cell("*3", {"3": "9番37号と12番の南側は鬼丸町をご参照ください。"})


weekdays = st.integers(min_value=0, max_value=6)
months = st.tuples(st.integers(2000, 2040), st.integers(1, 12))


@given(weekdays, months)
def test_weekly_gives_every_such_weekday(weekday, ym):
    year, month = ym
    found = Rule("weekly", weekday=weekday).dates_in(year, month)
    expected = [
        d for d in range(1, calendar.monthrange(year, month)[1] + 1)
        if dt.date(year, month, d).weekday() == weekday
    ]  # fmt: skip
    assert [d.day for d in found] == expected


@given(weekdays, st.integers(1, 5), months)
def test_nth_weekday_is_in_its_week_of_the_month(weekday, nth, ym):
    year, month = ym
    found = Rule("nth", weekday=weekday, nth=nth).dates_in(year, month)
    assert len(found) <= 1
    if nth <= 4:
        assert len(found) == 1
    for day in found:
        assert day.weekday() == weekday
        assert 7 * (nth - 1) < day.day <= 7 * nth


@given(
    st.lists(
        st.sampled_from(["月", "火", "水1", "木2", "金3", "土4", "日"]), min_size=1, max_size=4
    ),
    months,
    st.integers(0, 27),
    st.integers(0, 20),
    st.sampled_from(rules.PAUSE_POLICIES),
    st.sampled_from(rules.HOLIDAY_POLICIES),
)
def test_policies_keep_dates_out_of_pauses_and_holidays(tokens, ym, offset, length, pauses, hols):
    year, month = ym
    start = dt.date(year, month, 1) + dt.timedelta(days=offset)
    pause = Pause(start, start + dt.timedelta(days=length))
    policy = Policy(holidays=hols, pauses=pauses, pause_list=(pause,))
    parsed = rules.parse_cell(" ".join(tokens))
    found = rules.dates_in_month(parsed, year, month, policy)
    assert found == sorted(set(found))
    assert all(d.month == month for d in found)
    assert not any(d in pause for d in found)
    if hols == "skip":
        assert not any(rules.is_holiday(d) for d in found)
    plain = rules.dates_in_month(parsed, year, month, Policy(holidays=hols))
    if pauses == "drop":
        assert set(found) <= set(plain)
        assert set(plain) - set(found) <= {d for d in plain if d in pause}


@given(st.lists(st.sampled_from(["月", "火2", "水1", "木", "金4", "20210105"]), max_size=5))
def test_tokens_round_trip(tokens):
    parsed = rules.parse_cell(" ".join(tokens))
    assert rules.parse_cell(" ".join(r.token() for r in parsed)) == parsed
