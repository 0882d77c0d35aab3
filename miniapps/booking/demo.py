"""Demo data: three facilities of a demo city (from ``demo_facilities.csv``, in the standard
公共施設一覧 format) with fees, a smart lock on the meeting room and a lottery for the ball park's
busiest days. Figures are for the demo, not a real city's."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from . import actions, rules
from .importer import read_facilities
from .tables import BookingFacility, BookingLottery

DEMO_CSV = Path(__file__).parent / "demo_facilities.csv"

SETTINGS = {
    "市民会館 会議室A": {
        "kind": "room",
        "capacity": 30,
        "slot_minutes": 60,
        "fee_resident": 500,
        "fee_nonresident": 750,
        "discount_percent": 50,
        "equipment": "ホワイトボード プロジェクター",
        "lock_id": "demo-lock-room-a",
        "rules": "飲食はできません。使用後は机を元に戻してください。",
    },
    "市民体育館 バドミントンコート": {
        "kind": "court",
        "capacity": 12,
        "slot_minutes": 60,
        "fee_resident": 300,
        "fee_nonresident": 450,
        "equipment": "ネット 支柱",
        "lock_id": "demo-lock-court",
        "rules": "室内用シューズをお持ちください。",
    },
    "白岩運動公園 野球場": {
        "kind": "field",
        "capacity": 40,
        "slot_minutes": 120,
        "fee_resident": 1000,
        "fee_nonresident": 1500,
        "approval": True,
        "rules": "硬式野球はできません。土日祝は抽選です。",
    },
}


async def load_demo() -> list[str]:
    """Import the demo facilities once; open a lottery for the ball park a few weeks ahead."""
    if await BookingFacility.exists():
        return []
    counts = await actions.import_facilities(read_facilities(DEMO_CSV))
    for name, values in SETTINGS.items():
        row = (
            await BookingFacility.select(BookingFacility.id)
            .where(BookingFacility.name == name)
            .first()
        )
        if row:
            await actions.save_facility(values, row["id"])
    park = (
        await BookingFacility.select(BookingFacility.id)
        .where(BookingFacility.kind == "field")
        .first()
    )
    if park and not await BookingLottery.exists():
        today = rules.today()
        saturday = today + dt.timedelta(days=(5 - today.weekday()) % 7 + 21)
        until = rules.starts_at(today + dt.timedelta(days=14), 17 * 60)
        await actions.open_lottery(park["id"], saturday, saturday + dt.timedelta(days=1), until)
    return [f"booking: {counts['added']} demo facilities"]
