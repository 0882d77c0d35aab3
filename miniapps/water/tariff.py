"""The charge engine: effective-dated tariffs (``tariffs.toml``) and a pure calculation.

Rounding, as Japanese waterworks do it, in integer yen:

- a tax-exclusive tariff: charge = basic + volumetric (whole yen); tax = floor(charge x rate)
  (端数切捨て); total = charge + tax;
- a tax-inclusive tariff (Karatsu's sewerage table): total = the table's amount; the tax in it
  = floor(total x rate / (100 + rate)); charge = total - tax;
- a bill for another number of months than the tariff's period scales the step and block limits
  and the fixed amounts by months / period_months, fixed amounts rounded down to the yen;
- the bill's total is the sum of the two services' totals.
"""

from __future__ import annotations

import datetime as dt
import tomllib
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

TARIFFS_FILE = Path(__file__).parent / "tariffs.toml"
SERVICES = ("water", "sewerage")


class TariffError(ValueError):
    """No tariff applies (a date before the first tariff, an unknown meter size, bad input)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


@dataclass(frozen=True)
class Step:
    upto: int
    yen: int


@dataclass(frozen=True)
class Block:
    upto: int | None
    yen_per_m3: int


@dataclass(frozen=True)
class Tariff:
    service: str
    effective_from: dt.date
    period_months: int
    tax_included: bool
    tax_percent: int
    basic_by_meter_mm: dict[int, int]
    steps: tuple[Step, ...]
    blocks: tuple[Block, ...]


@dataclass(frozen=True)
class Charge:
    """One service's charge: ``charge`` before tax, ``tax``, ``total``."""

    charge: int
    tax: int
    total: int


@dataclass(frozen=True)
class Quote:
    m3: int
    months: int
    meter_mm: int
    on: dt.date
    water: Charge
    sewerage: Charge

    @property
    def tax(self) -> int:
        return self.water.tax + self.sewerage.tax

    @property
    def total(self) -> int:
        return self.water.total + self.sewerage.total

    def as_dict(self) -> dict[str, object]:
        def part(c: Charge) -> dict[str, int]:
            return {"charge": c.charge, "tax": c.tax, "total": c.total}

        return {
            "m3": self.m3,
            "months": self.months,
            "meter_mm": self.meter_mm,
            "on": self.on.isoformat(),
            "water": part(self.water),
            "sewerage": part(self.sewerage),
            "tax": self.tax,
            "total": self.total,
        }


def parse_tariffs(data: dict) -> list[Tariff]:
    out = []
    for raw in data.get("tariff", []):
        effective = raw["effective_from"]
        if isinstance(effective, str):
            effective = dt.date.fromisoformat(effective)
        out.append(
            Tariff(
                service=raw["service"],
                effective_from=effective,
                period_months=int(raw["period_months"]),
                tax_included=bool(raw["tax_included"]),
                tax_percent=int(raw["tax_percent"]),
                basic_by_meter_mm={
                    int(k): int(v) for k, v in raw.get("basic_by_meter_mm", {}).items()
                },
                steps=tuple(Step(int(s["upto"]), int(s["yen"])) for s in raw.get("steps", [])),
                blocks=tuple(
                    Block(int(b["upto"]) if "upto" in b else None, int(b["yen_per_m3"]))
                    for b in raw.get("blocks", [])
                ),
            )
        )
    return out


def load_tariffs(path: Path = TARIFFS_FILE) -> list[Tariff]:
    return parse_tariffs(tomllib.loads(path.read_text(encoding="utf-8")))


_DEFAULT: list[Tariff] | None = None


def default_tariffs() -> list[Tariff]:
    global _DEFAULT
    if _DEFAULT is None:
        _DEFAULT = load_tariffs()
    return _DEFAULT


def tariff_on(tariffs: list[Tariff], service: str, on: dt.date) -> Tariff:
    """The newest tariff of ``service`` in effect on ``on``."""
    candidates = [t for t in tariffs if t.service == service and t.effective_from <= on]
    if not candidates:
        raise TariffError("unknown_tariff_date", f"no {service} tariff in effect on {on}")
    return max(candidates, key=lambda t: t.effective_from)


def volume_charge(tariff: Tariff, m3: int, months: int) -> int:
    """Steps and blocks for ``m3`` over ``months`` (limits and flat amounts scaled)."""
    scale = Fraction(months, tariff.period_months)
    below = Fraction(0)
    base = 0
    for step in tariff.steps:
        limit = step.upto * scale
        if m3 <= limit:
            return int(step.yen * scale)
        below, base = limit, int(step.yen * scale)
    amount = Fraction(base)
    for block in tariff.blocks:
        limit = None if block.upto is None else block.upto * scale
        top = m3 if limit is None else min(m3, limit)
        if top > below:
            amount += (top - below) * block.yen_per_m3
        if limit is None or m3 <= limit:
            break
        below = limit
    return int(amount)  # whole yen, fractions (from scaled limits) dropped


def service_charge(tariff: Tariff, m3: int, months: int, meter_mm: int) -> Charge:
    scale = Fraction(months, tariff.period_months)
    basic = 0
    if tariff.basic_by_meter_mm:
        if meter_mm not in tariff.basic_by_meter_mm:
            sizes = ", ".join(str(s) for s in sorted(tariff.basic_by_meter_mm))
            raise TariffError(
                "unknown_meter", f"no basic charge for a {meter_mm} mm meter ({sizes})"
            )
        basic = int(tariff.basic_by_meter_mm[meter_mm] * scale)
    amount = basic + volume_charge(tariff, m3, months)
    if tariff.tax_included:
        tax = amount * tariff.tax_percent // (100 + tariff.tax_percent)
        return Charge(charge=amount - tax, tax=tax, total=amount)
    tax = amount * tariff.tax_percent // 100
    return Charge(charge=amount, tax=tax, total=amount + tax)


def quote(
    m3: int,
    *,
    months: int = 2,
    meter_mm: int = 13,
    on: dt.date,
    tariffs: list[Tariff] | None = None,
    sewerage: bool = True,
) -> Quote:
    """Water and sewerage charges for ``m3`` used over ``months`` read on ``on``."""
    if m3 < 0:
        raise TariffError("bad_m3", "usage cannot be negative")
    if months not in (1, 2):
        raise TariffError("bad_months", "bills cover one or two months")
    tariffs = default_tariffs() if tariffs is None else tariffs
    water = service_charge(tariff_on(tariffs, "water", on), m3, months, meter_mm)
    sew = (
        service_charge(tariff_on(tariffs, "sewerage", on), m3, months, meter_mm)
        if sewerage
        else Charge(0, 0, 0)
    )
    return Quote(m3=m3, months=months, meter_mm=meter_mm, on=on, water=water, sewerage=sew)
