"""``machi garbage import-5374 DIR`` and ``machi garbage dates AREA --month YYYY-MM``.

The callbacks are ``async``: the host (the shell's ``machi``) awaits them with its database
migrated and open (see ``machi_sdk.extensions``).
"""

from __future__ import annotations

import datetime as dt
import json
import re

import click

from . import actions, queries
from .importer import ImportError5374, read_folder


@click.command("import-5374")
@click.argument("folder", type=click.Path(file_okay=False))
async def import_5374(folder: str) -> None:
    """Import (or update) schedules and the sorting dictionary from a 5374.jp data folder."""
    try:
        schedule = read_folder(folder)
    except ImportError5374 as exc:
        for problem in exc.problems:
            click.echo(str(problem), err=True)
        raise click.ClickException(
            f"{len(exc.problems)} cell(s) cannot be read; nothing was imported"
        ) from None
    counts = await actions.import_5374(schedule)
    click.echo(
        f"imported {counts['areas']} areas, {counts['categories']} categories,"
        f" {counts['rules']} rules, {counts['items']} dictionary items"
    )


def parse_month(text: str) -> tuple[int, int]:
    """``YYYY-MM`` as (year, month); :class:`ValueError` otherwise."""
    match = re.fullmatch(r"(\d{4})-(\d{2})", text.strip())
    if not match or not 1 <= int(match[2]) <= 12:
        raise ValueError(f"{text!r} is not a month (YYYY-MM)")
    return int(match[1]), int(match[2])


@click.command("dates")
@click.argument("area")
@click.option("--month", required=True, help="YYYY-MM")
async def dates(area: str, month: str) -> None:
    """Print, as JSON, every category's computed collection dates for AREA in one month."""
    try:
        year, mon = parse_month(month)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--month") from None
    try:
        row = await queries.find_area(area)
    except queries.UnknownArea as exc:
        if exc.candidates:
            names = ", ".join(
                f"{c['master_name']}/{c['name']} (id {c['id']})" for c in exc.candidates
            )
            raise click.ClickException(f"{area!r} names several areas: {names}") from None
        raise click.ClickException(f"no area {area!r}") from None
    labels = {c["id"]: c["label"] for c in await queries.categories()}
    found = await queries.month_dates(row, year, mon)
    out = {
        "area": row["name"],
        "month": f"{year:04d}-{mon:02d}",
        "dates": {
            labels[cat]: [d.isoformat() for d in days]
            for cat, days in sorted(found.items(), key=lambda kv: list(labels).index(kv[0]))
        },
    }
    click.echo(json.dumps(out, ensure_ascii=False))


def _today() -> dt.date:
    return dt.datetime.now(dt.timezone(dt.timedelta(hours=9))).date()


COMMANDS = [import_5374, dates]
