"""Where a report is: inside the municipality (``city.toml``), filed under the nearest district.
No map tiles: places are listed by district and distance, never drawn from a tile server."""

from __future__ import annotations

import math
import tomllib
from functools import cache
from pathlib import Path
from typing import Any

CITY_FILE = Path(__file__).parent / "city.toml"


@cache
def city() -> dict[str, Any]:
    with CITY_FILE.open("rb") as handle:
        return tomllib.load(handle)


def districts() -> list[dict[str, Any]]:
    return list(city()["districts"])


def district(district_id: str) -> dict[str, Any] | None:
    return next((d for d in districts() if d["id"] == district_id), None)


def district_name(district_id: str, locale: str) -> str:
    found = district(district_id)
    if found is None:
        return district_id
    return str(found["name"].get(locale) or found["name"]["ja"])


def inside(lat: float, lon: float) -> bool:
    c = city()
    return c["south"] <= lat <= c["north"] and c["west"] <= lon <= c["east"]


def distance_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in metres."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 6_371_000 * 2 * math.asin(math.sqrt(a))


def nearest_district(lat: float, lon: float) -> str:
    return min(districts(), key=lambda d: distance_m(lat, lon, d["lat"], d["lon"]))["id"]


def centre_of(district_id: str | None, claim: str | None = None) -> tuple[float, float] | None:
    """The centre of a district given by id or by its Japanese name (the profile claim may be
    either), or None."""
    for d in districts():
        by_claim = claim and claim in (d["id"], d["name"]["ja"])
        if (district_id and d["id"] == district_id) or by_claim:
            return (d["lat"], d["lon"])
    return None


def district_id_of(claim: str | None) -> str:
    """The district id for a ``profile.district`` claim (an id or a Japanese name), or ""."""
    for d in districts():
        if claim and claim in (d["id"], d["name"]["ja"]):
            return str(d["id"])
    return ""
