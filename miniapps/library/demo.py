"""Demo data: the city library and two school libraries with a small catalogue, and a
recommendation list per age group."""

from __future__ import annotations

from pathlib import Path

from . import actions, catalog
from .importer import parse_csv
from .tables import LibraryList, LibraryTitle

DEMO_CSV = Path(__file__).parent / "demo_catalogue.csv"


async def load_demo() -> list[str]:
    if await LibraryTitle.exists():
        return []
    done = await catalog.import_records(parse_csv(DEMO_CSV.read_bytes()), DEMO_CSV.name)
    if not await LibraryList.exists():
        ids = {r["key"]: str(r["id"]) for r in await LibraryTitle.select(
            LibraryTitle.key, LibraryTitle.id)}  # fmt: skip
        await actions.add_list("picture", "はじめての絵本", "読み聞かせにぴったりの3冊です。",
                               [ids["id:demo-008"], ids["id:demo-009"], ids["id:demo-010"]])
        await actions.add_list("teen", "中学生に読んでほしい本",
                               "司書が選んだ、考えるきっかけになる本。",
                               [ids["id:demo-012"], ids["id:demo-011"], ids["id:demo-005"]])
    return [f"library: imported {done['created']} demo titles with {done['copies']} copies"
            " (city library, an elementary and a junior-high school library)"]
