"""The charge engine: Karatsu's sewerage table with its worked example, tier boundaries, the
meter-size basic charge, tax rounding and effective dates."""

from __future__ import annotations

import datetime as dt

import pytest

from .conftest import module

tariff = module("tariff")
ON = dt.date(2025, 6, 1)


def sewerage(m3: int, months: int = 2) -> int:
    return tariff.quote(m3, months=months, on=ON).sewerage.total


def test_karatsu_worked_example_25_m3_is_3555_yen():
    assert sewerage(25) == 3555


@pytest.mark.parametrize(
    ("m3", "yen"),
    [
        (0, 1958), (10, 1958), (11, 2540), (20, 2540), (21, 2540 + 203),
        (40, 2540 + 20 * 203), (41, 6600 + 259), (100, 6600 + 60 * 259),
        (101, 22140 + 356), (120, 22140 + 20 * 356),
    ],
)  # fmt: skip
def test_sewerage_tier_boundaries(m3, yen):
    assert sewerage(m3) == yen


def test_tax_inside_a_tax_included_amount_is_rounded_down():
    part = tariff.quote(25, on=ON).sewerage
    assert (part.tax, part.charge) == (323, 3232)  # floor(3555 x 10 / 110) = 323


def test_water_basic_charge_by_meter_and_tax_rounded_down():
    q13 = tariff.quote(25, meter_mm=13, on=ON).water
    # 1,600 basic + 20 x 110 + 5 x 170 = 4,650; tax 465
    assert (q13.charge, q13.tax, q13.total) == (4650, 465, 5115)
    q20 = tariff.quote(25, meter_mm=20, on=ON).water
    assert q20.charge == 2500 + 2200 + 850
    odd = tariff.quote(3, meter_mm=13, on=ON).water  # 1,930 -> tax 193
    assert (odd.charge, odd.tax) == (1930, 193)


def test_tax_rounding_drops_fractions():
    one = tariff.quote(1, months=1, meter_mm=13, on=ON).water
    # one month: basic 800 + 1 x 110 = 910 -> tax 91 exactly; 7 m3: 800 + 770 = 1,570 -> 157
    assert (one.charge, one.tax) == (910, 91)
    seven = tariff.quote(7, months=1, meter_mm=13, on=ON).water
    assert seven.tax == 157


def test_one_month_bill_halves_limits_and_flat_amounts():
    # Karatsu's two-month table for one month: up to 5 m3 979 yen; 6-10 m3 1,270 yen
    assert sewerage(5, months=1) == 979
    assert sewerage(6, months=1) == 1270
    assert sewerage(12, months=1) == 1270 + 2 * 203


def test_effective_dates_choose_the_tariff_of_the_reading_date():
    before = tariff.quote(25, on=dt.date(2019, 9, 30), sewerage=False).water
    after = tariff.quote(25, on=dt.date(2019, 10, 1), sewerage=False).water
    assert before.charge == 1540 + 20 * 100 + 5 * 160
    assert before.tax == before.charge * 8 // 100
    assert after.charge == 4650
    assert after.tax == 465


def test_a_date_before_any_tariff_is_refused():
    with pytest.raises(tariff.TariffError) as caught:
        tariff.quote(10, on=dt.date(2010, 1, 1))
    assert caught.value.code == "unknown_tariff_date"


def test_unknown_meter_size_and_bad_input_are_refused():
    with pytest.raises(tariff.TariffError) as caught:
        tariff.quote(10, meter_mm=15, on=ON)
    assert caught.value.code == "unknown_meter"
    with pytest.raises(tariff.TariffError):
        tariff.quote(-1, on=ON)
    with pytest.raises(tariff.TariffError):
        tariff.quote(10, months=3, on=ON)


def test_total_is_the_sum_of_both_services():
    q = tariff.quote(25, on=ON)
    assert q.total == 5115 + 3555
    assert q.tax == 465 + 323
