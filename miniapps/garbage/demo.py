"""Demo data: Saga City's published 5374 data and a small large-item fee table, loaded once."""

from __future__ import annotations

from pathlib import Path

from . import actions
from .importer import read_folder
from .tables import GarbageArea, GarbageFee

#: The city's data exactly as published (see data/README.md).
SAGA_DATA = Path(__file__).resolve().parent / "data" / "saga-city"

#: The demo city's large-item fee table (yen per item), editable by staff on the staff page.
DEMO_FEES = [
    ("ソファー（1人掛け）", 500),
    ("ソファー（2人掛け以上）", 1000),
    ("たんす", 1000),
    ("ベッド（シングル）", 1000),
    ("自転車", 500),
    ("布団", 300),
    ("机", 500),
    ("椅子", 300),
]


async def load_demo() -> list[str]:
    """Import the Saga data when no area exists yet; add the demo fee table when it is empty."""
    lines = []
    if not await GarbageArea.exists():
        if not SAGA_DATA.is_dir():
            return [f"garbage: {SAGA_DATA} is missing; no collection schedule loaded"]
        counts = await actions.import_5374(read_folder(SAGA_DATA))
        lines.append(f"garbage: imported {counts['areas']} areas of Saga City")
    if not await GarbageFee.exists():
        for position, (name, fee) in enumerate(DEMO_FEES):
            await GarbageFee.insert(GarbageFee(name=name, fee=fee, position=position))
    return lines
