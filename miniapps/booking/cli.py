"""``machi booking import-facilities CSV``, ``machi booking draw LOTTERY`` and
``machi booking verify-draw LOTTERY`` (anyone can recompute a published draw from its seed)."""

from __future__ import annotations

import json

import click

from . import actions, queries
from . import lottery as draws
from .importer import FacilityImportError, read_facilities


@click.command("import-facilities")
@click.argument("csv_file", type=click.Path(exists=True, dir_okay=False))
async def import_facilities(csv_file: str) -> None:
    """Import (or update) facilities from a 公共施設一覧 CSV (自治体標準オープンデータセット)."""
    try:
        items = read_facilities(csv_file)
    except FacilityImportError as exc:
        for problem in exc.problems:
            click.echo(str(problem), err=True)
        raise click.ClickException(
            f"{len(exc.problems)} problem(s) found; nothing was imported"
        ) from None
    counts = await actions.import_facilities(items)
    click.echo(
        f"imported {len(items)} facilities: {counts['added']} added, {counts['updated']} updated"
    )


@click.command("draw")
@click.argument("lottery_id", type=int)
async def draw(lottery_id: int) -> None:
    """Draw a lottery whose application period is over (the periodic job does this too)."""
    try:
        results = await actions.draw(lottery_id)
    except actions.Refused as exc:
        raise click.ClickException(exc.reason) from None
    click.echo(
        json.dumps(
            {
                "lottery": lottery_id,
                "winners": sum(1 for r in results if r["won"]),
                "entries": len(results),
            }
        )
    )


@click.command("verify-draw")
@click.argument("lottery_id", type=int)
async def verify_draw(lottery_id: int) -> None:
    """Recompute a drawn lottery from its published seed and entries; fails if they differ."""
    lot = await queries.lottery(lottery_id)
    if lot is None or lot["status"] != "drawn":
        raise click.ClickException("no drawn lottery with that id")
    if draws.seed_hash(lot["seed"]) != lot["seed_hash"]:
        raise click.ClickException("the seed does not match the hash published before the draw")
    entries = await queries.entries(lottery_id)
    again = draws.draw(lot["seed"], entries, lot["taken"])
    published = [(r["entry"], r["key"]) for r in lot["results"]]
    # The order must match exactly; a win may only have been lost to a booking refused at draw.
    same = [(r["entry"], r["key"]) for r in again] == published and all(
        p["won"] in ("", a["won"]) for p, a in zip(lot["results"], again, strict=True)
    )
    if not same:
        raise click.ClickException("the recomputed draw differs from the published one")
    click.echo(json.dumps({"lottery": lottery_id, "seed": lot["seed"], "verified": True}))


COMMANDS = [import_facilities, draw, verify_draw]
