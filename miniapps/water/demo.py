"""Demo data: a billing export with three accounts (one whose last bill jumps: a leak)."""

from __future__ import annotations

from pathlib import Path

from . import actions
from .importer import load_mapping, parse
from .tables import WaterAccount

DEMO_CSV = Path(__file__).parent / "demo_bills.csv"


async def load_demo() -> list[str]:
    if await WaterAccount.exists():
        return []
    rows = parse(DEMO_CSV.read_bytes(), load_mapping())
    done = await actions.import_bills(rows, DEMO_CSV.name)
    return [f"water: imported {done['created']} demo bills (customer numbers 1001-0001..0006)"]
