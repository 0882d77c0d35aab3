"""Demo shelters for Takeo (names of its public halls by district; addresses to the town only)."""

from __future__ import annotations

from urllib.parse import quote

from shell.demo import demo_step
from shell.disaster.tables import Shelter
from shell.settings import Settings

SHELTERS = [
    ("bunka", "武雄市文化会館", "佐賀県武雄市武雄町", 500),
    ("takeo-es", "武雄小学校 体育館", "佐賀県武雄市武雄町", 300),
    ("asahi", "朝日町公民館", "佐賀県武雄市朝日町", 100),
    ("kitagata", "北方町公民館", "佐賀県武雄市北方町", 150),
    ("yamauchi", "山内町公民館", "佐賀県武雄市山内町", 150),
    ("tachibana", "橘町公民館", "佐賀県武雄市橘町", 100),
]


def map_link(name: str, address: str) -> str:
    """A map search the resident's own browser opens (the server never calls it)."""
    return "https://www.google.com/maps/search/?api=1&query=" + quote(f"{address} {name}")


@demo_step
async def shelters(settings: Settings) -> list[str]:
    for position, (code, name, address, capacity) in enumerate(SHELTERS):
        if not await Shelter.exists().where(Shelter.code == code):
            await Shelter.insert(
                Shelter(
                    code=code,
                    name=name,
                    address=address,
                    map_url=map_link(name, address),
                    capacity=capacity,
                    is_open=position < 2,
                    position=position,
                )
            )
    return []
