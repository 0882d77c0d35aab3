"""Demo data: virtual stops around a small seaside town (Genkai-like), two vans, the service
settings. Idempotent: nothing is added when stops exist."""

from __future__ import annotations

from collections.abc import Sequence

from . import live
from .tables import BusStop, BusVehicle

#: (name, latitude, longitude): places residents of a small town go to.
STOPS = (
    ("町役場前", 33.4717, 129.8746),
    ("保健センター", 33.4706, 129.8771),
    ("道の駅", 33.4653, 129.8962),
    ("値賀小学校前", 33.4870, 129.8590),
    ("仮屋漁港", 33.4585, 129.8455),
    ("有徳公民館", 33.4520, 129.8670),
    ("今村入口", 33.4790, 129.8880),
    ("診療所前", 33.4745, 129.8680),
    ("スーパー前", 33.4640, 129.8800),
)


async def load_demo() -> Sequence[str]:
    if await BusStop.count() > 0:
        return []
    await live.settings()
    made = await BusStop.insert(
        *[BusStop(name=name, latitude=lat, longitude=lon) for name, lat, lon in STOPS]
    ).returning(BusStop.id)
    depot = made[0]["id"]
    await BusVehicle.insert(
        BusVehicle(name="ワゴン1号", seats=8, wheelchair_places=1, depot=depot),
        BusVehicle(name="ワゴン2号", seats=8, wheelchair_places=0, depot=depot),
    )
    return [f"bus: {len(STOPS)} stops, 2 vehicles"]
