"""The immunisation planner on worked birth dates. Every expected date below was worked out by hand
from the rules (rules/vaccines-2024-04-01.toml) and the legal age count, as the comments show; none
was copied from the code's output.

Conventions used in the comments: an age of N months is reached on the day before the N-month
anniversary of the birth (the month's last day when it has no such day); "Nd" intervals are N
clear days (the next dose N+1 days on); "Nm" intervals are the same day N months on.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from .conftest import module

vaccines = module("vaccines")
cli = module("cli")
D = dt.date


def entry(plan, vaccine, dose):
    return next(p for p in plan if (p.vaccine, p.dose) == (vaccine, dose))


@pytest.mark.parametrize(
    ("born", "months", "expected", "why"),
    [
        (D(2024, 4, 1), 2, D(2024, 5, 31), "anniversary 6/1, the day before"),
        (D(2024, 1, 31), 1, D(2024, 2, 29), "no 2/31: the last day of February (leap year)"),
        (D(2023, 1, 31), 1, D(2023, 2, 28), "no 2/31: the last day of February"),
        (D(2024, 1, 31), 2, D(2024, 3, 30), "3/31 exists: the day before"),
        (D(2024, 3, 1), 12, D(2025, 2, 28), "1st birthday 2025-03-01, the day before"),
        (D(2024, 2, 29), 12, D(2025, 2, 28), "no 2025-02-29: the last day of February"),
    ],
)
def test_legal_age_is_reached_the_day_before(born, months, expected, why):
    assert vaccines.reached(born, months) == expected, why


@pytest.mark.parametrize(
    ("born", "entry_day"),
    [
        # reached 6 on 2024-03-31; the day after is 4/1: school from 2024-04-01 (早生まれ)
        (D(2018, 4, 1), D(2024, 4, 1)),
        # reached 6 on 2024-04-01; the day after is 4/2: the next school year, 2025-04-01
        (D(2018, 4, 2), D(2025, 4, 1)),
        (D(2018, 3, 31), D(2024, 4, 1)),
    ],
)
def test_school_entry_for_mr_second_stage(born, entry_day):
    assert vaccines.school_entry(born) == entry_day
    plan = vaccines.plan(born, {}, D(2024, 4, 1))
    mr2 = entry(plan, "mr2", 1)
    # the year before school: 1 April of the year before to 31 March
    assert mr2.earliest == D(entry_day.year - 1, 4, 1)
    assert mr2.last == D(entry_day.year, 3, 31)


def test_windows_from_birth_with_nothing_given():
    born = D(2024, 4, 1)
    plan = vaccines.plan(born, {}, D(2024, 4, 1))
    five = entry(plan, "dpt_ipv_hib", 1)
    assert five.earliest == D(2024, 5, 31)  # 2 months: 6/1 - 1 day
    assert five.last == D(2031, 9, 30)  # 7y6m = 90 months: 2031-10-01 - 1 day
    assert (five.standard_from, five.standard_until) == (D(2024, 5, 31), D(2024, 10, 31))  # 2m-7m
    assert entry(plan, "pcv", 1).last == D(2029, 3, 31)  # 5 years: 2029-04-01 - 1
    assert entry(plan, "pcv", 2).last == D(2026, 3, 31)  # doses 2 and 3 by 2 years
    bcg = entry(plan, "bcg", 1)
    assert (bcg.earliest, bcg.last) == (born, D(2025, 3, 31))  # from birth, until 1 year
    assert (bcg.standard_from, bcg.standard_until) == (D(2024, 8, 31), D(2024, 11, 30))  # 5m-8m
    rota = entry(plan, "rota1", 1)
    assert rota.earliest == D(2024, 5, 13)  # 6 weeks 0 days: 4/1 + 42 days
    assert rota.last == D(2024, 9, 16)  # 24 weeks 0 days: 4/1 + 168 days
    assert entry(plan, "rota5", 3).last == D(2024, 11, 11)  # 32 weeks 0 days: 4/1 + 224 days
    mr1 = entry(plan, "mr1", 1)
    assert (mr1.earliest, mr1.last) == (D(2025, 3, 31), D(2026, 3, 31))  # 1 year to 2 years
    assert entry(plan, "varicella", 1).last == D(2027, 3, 31)  # until 3 years
    assert entry(plan, "je1", 1).earliest == D(2024, 9, 30)  # 6 months: 10/1 - 1
    assert entry(plan, "je2", 1).earliest == D(2033, 3, 31)  # 9 years
    assert entry(plan, "dt2", 1).last == D(2037, 3, 31)  # until 13 years
    assert entry(plan, "hepb", 1).status == "due"
    assert five.status == "upcoming"


def test_doses_at_the_minimum_intervals():
    born = D(2024, 4, 1)
    given = {
        ("dpt_ipv_hib", 1): D(2024, 5, 31),  # the first legal day
        ("dpt_ipv_hib", 2): D(2024, 6, 21),  # 20 clear days: 5/31 + 21
        ("dpt_ipv_hib", 3): D(2024, 7, 12),
    }  # 6/21 + 21
    plan = vaccines.plan(born, given, D(2024, 8, 1))
    assert [entry(plan, "dpt_ipv_hib", n).flag for n in (1, 2, 3)] == [None, None, None]
    assert entry(plan, "dpt_ipv_hib", 2).earliest == D(2024, 6, 21)
    booster = entry(plan, "dpt_ipv_hib", 4)
    assert booster.earliest == D(2025, 1, 12)  # 6 months after 7/12
    # standard: 6 to 18 months after the third dose
    assert (booster.standard_from, booster.standard_until) == (D(2025, 1, 12), D(2026, 1, 12))
    assert booster.status == "upcoming"


def test_a_late_first_dose_moves_the_rest():
    born = D(2024, 4, 1)
    # PCV started late (at 9 months and a half), planned on 2025-01-20
    plan = vaccines.plan(born, {("pcv", 1): D(2025, 1, 15)}, D(2025, 1, 20))
    assert entry(plan, "pcv", 1).flag is None  # late for the standard window, not for the law
    assert entry(plan, "pcv", 2).earliest == D(2025, 2, 12)  # 27 clear days: 1/15 + 28
    assert entry(plan, "pcv", 3).earliest == D(2025, 3, 12)  # from dose 2 at the earliest: + 28
    # booster: 60 clear days after dose 3 (3/12 + 61 = 5/12), and not before 12 months (3/31)
    assert entry(plan, "pcv", 4).earliest == D(2025, 5, 12)


def test_an_undone_dose_counts_from_today_when_its_window_has_opened():
    born = D(2024, 4, 1)
    # nothing given by 2024-07-01: dose 1 could be today, dose 2 21 days later
    plan = vaccines.plan(born, {}, D(2024, 7, 1))
    assert entry(plan, "dpt_ipv_hib", 1).status == "due"
    assert entry(plan, "dpt_ipv_hib", 2).earliest == D(2024, 7, 22)


def test_a_dose_too_early_is_kept_and_flagged():
    born = D(2024, 4, 1)
    given = {("hepb", 1): D(2024, 6, 1), ("hepb", 2): D(2024, 6, 20)}
    plan = vaccines.plan(born, given, D(2024, 7, 1))
    second = entry(plan, "hepb", 2)
    assert second.earliest == D(2024, 6, 29)  # 27 clear days after 6/1
    assert (second.given, second.flag, second.status) == (D(2024, 6, 20), "too_early", "flagged")
    # the third counts from the FIRST: 139 clear days, 6/1 + 140 = 10/19
    assert entry(plan, "hepb", 3).earliest == D(2024, 10, 19)
    # given before 2 months: too early too
    early = vaccines.plan(born, {("dpt_ipv_hib", 1): D(2024, 5, 30)}, D(2024, 6, 1))
    assert entry(early, "dpt_ipv_hib", 1).flag == "too_early"


def test_a_dose_after_the_last_day_is_flagged_too_late():
    plan = vaccines.plan(D(2024, 4, 1), {("bcg", 1): D(2025, 4, 1)}, D(2025, 5, 1))
    assert entry(plan, "bcg", 1).flag == "too_late"  # the last day was 2025-03-31


def test_month_intervals_end_on_the_month_end_when_the_day_is_missing():
    born = D(2024, 1, 31)
    # varicella dose 1 on 2025-11-30; 3 months on: no 2/30, so 2026-02-28
    plan = vaccines.plan(born, {("varicella", 1): D(2025, 11, 30)}, D(2025, 12, 1))
    assert entry(plan, "varicella", 2).earliest == D(2026, 2, 28)
    assert entry(plan, "dpt_ipv_hib", 1).earliest == D(2024, 3, 30)  # 2 months: 3/31 - 1


def test_choosing_one_rotavirus_vaccine_leaves_the_other_unneeded():
    plan = vaccines.plan(D(2024, 4, 1), {("rota1", 1): D(2024, 6, 1)}, D(2024, 6, 2))
    assert entry(plan, "rota5", 1).status == "not_needed"
    assert entry(plan, "rota1", 2).earliest == D(2024, 6, 29)  # 6/1 + 28


def test_hpv_for_girls_by_fiscal_year():
    # born 2012-04-01: 12 is reached on 2024-03-31, in fiscal year 2023 (from 2023-04-01);
    # 16 on 2028-03-31, in fiscal year 2027 (to 2028-03-31); 13 on 2025-03-31: FY 2024 standard
    plan = vaccines.plan(D(2012, 4, 1), {}, D(2024, 4, 1), sex="F")
    first = entry(plan, "hpv", 1)
    assert (first.earliest, first.last) == (D(2023, 4, 1), D(2028, 3, 31))
    assert (first.standard_from, first.standard_until) == (D(2024, 4, 1), D(2025, 3, 31))
    # a day later: 12 is reached on 2024-04-01, in FY 2024; 16 on 2028-04-01, FY 2028
    later = entry(vaccines.plan(D(2012, 4, 2), {}, D(2024, 4, 1), sex="F"), "hpv", 1)
    assert (later.earliest, later.last) == (D(2024, 4, 1), D(2029, 3, 31))
    given = {("hpv", 1): D(2024, 5, 10), ("hpv", 2): D(2024, 6, 10)}
    doses = vaccines.plan(D(2012, 4, 2), given, D(2024, 7, 1), sex="F")
    assert entry(doses, "hpv", 2).flag is None  # one month after the first: 6/10
    assert entry(doses, "hpv", 3).earliest == D(2024, 9, 10)  # three months after the second
    assert not [
        p for p in vaccines.plan(D(2012, 4, 2), {}, D(2024, 4, 1), sex="M") if p.vaccine == "hpv"
    ]


def test_rules_are_chosen_by_the_day_they_took_effect(tmp_path: Path):
    with pytest.raises(LookupError):
        vaccines.rules_for(D(2024, 3, 31))  # five-in-one rules start 2024-04-01
    assert vaccines.rules_for(D(2026, 11, 29)).version == "2024-04"
    source = (vaccines.RULES / "vaccines-2024-04-01.toml").read_text(encoding="utf-8")
    later = source.replace("effective_from = 2024-04-01", "effective_from = 2027-04-01").replace(
        'version = "2024-04"', 'version = "2027-04"'
    )
    (tmp_path / "vaccines-2024-04-01.toml").write_text(source, encoding="utf-8")
    (tmp_path / "vaccines-2027-04-01.toml").write_text(later, encoding="utf-8")
    assert vaccines.rules_for(D(2027, 3, 31), tmp_path).version == "2024-04"
    assert vaccines.rules_for(D(2027, 4, 1), tmp_path).version == "2027-04"


def test_plan_command_prints_json():
    result = CliRunner().invoke(
        cli.plan_cmd,
        [
            "--born",
            "2024-04-01",
            "--given",
            "dpt_ipv_hib:1:2024-05-31",
            "--given",
            "hepb:2:2024-05-01",
            "--on",
            "2024-06-01",
        ],
    )
    assert result.exit_code == 0, result.output
    out = json.loads(result.output)
    assert out["rules"] == "2024-04"
    assert out["on"] == "2024-06-01"
    doses = {(d["vaccine"], d["dose"]): d for d in out["doses"]}
    assert doses[("dpt_ipv_hib", 2)]["earliest"] == "2024-06-21"  # 5/31 + 21
    assert doses[("dpt_ipv_hib", 1)]["standard_until"] == "2024-10-31"
    assert doses[("dpt_ipv_hib", 1)]["last"] == "2031-09-30"
    # hepb dose 2 without dose 1 before it: recorded and not flagged (no earlier dose to count from)
    assert doses[("hepb", 2)]["given"] == "2024-05-01"


@pytest.mark.parametrize(
    "args",
    [
        ["--born", "2024-13-01"],
        ["--born", "2024-04-01", "--given", "nope:1:2024-05-01"],
        ["--born", "2024-04-01", "--given", "pcv:9:2024-05-01"],
        ["--born", "2024-04-01", "--given", "pcv-1-2024"],
    ],
)
def test_plan_command_refuses_bad_input(args):
    result = CliRunner().invoke(cli.plan_cmd, args)
    assert result.exit_code == 2
    assert "Error" in result.output
