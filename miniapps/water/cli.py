"""``machi water import FILE [--mapping M]`` and ``machi water quote --m3 N ...``."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import click

from . import actions
from .importer import ImportProblems, load_mapping, parse
from .tariff import TariffError, quote


def _fail(exc: ImportProblems) -> None:
    for problem in exc.problems:
        click.echo(str(problem), err=True)
    raise click.ClickException(f"{len(exc.problems)} problem(s); nothing was imported")


@click.command("import")
@click.argument("file", type=click.Path(dir_okay=False))
@click.option(
    "--mapping", default=None, help="column mapping (TOML or JSON); the app's default otherwise"
)
async def import_cmd(file: str, mapping: str | None) -> None:
    """Import bills and meter readings from the billing system's CSV export (all or nothing)."""
    try:
        columns = load_mapping(mapping)
    except ValueError as exc:
        raise click.ClickException(str(exc)) from None
    try:
        data = Path(file).read_bytes()  # noqa: ASYNC240 (a command, not a server)
    except OSError as exc:
        raise click.ClickException(f"cannot read {file}: {exc.strerror}") from None
    try:
        rows = parse(data, columns)
    except ImportProblems as exc:
        await actions.record_run(Path(file).name, ok=False, rows=0, problems=exc.problems)
        _fail(exc)
    try:
        done = await actions.import_bills(rows, Path(file).name)
    except ImportProblems as exc:
        _fail(exc)
    click.echo(f"imported {done['created']} new and {done['updated']} updated bills")
    for flag in done["flagged"]:
        click.echo(
            f"row {flag['row']}: {flag['customer_number']} {flag['reading_date']}: total"
            f" {flag['total']} yen, the tariff gives {flag['expected']} yen (flagged for staff)"
        )


@click.command("quote")
@click.option("--m3", type=int, required=True, help="usage in cubic metres")
@click.option("--months", type=int, default=2, show_default=True)
@click.option("--meter-mm", type=int, default=13, show_default=True)
@click.option("--on", "on", default=None, help="YYYY-MM-DD (today when left out)")
async def quote_cmd(m3: int, months: int, meter_mm: int, on: str | None) -> None:
    """Print, as JSON, the water and sewerage charges of the demo municipality's tariffs."""
    try:
        day = dt.date.fromisoformat(on) if on else dt.date.today()
    except ValueError:
        raise click.BadParameter(f"{on!r} is not a date (YYYY-MM-DD)", param_hint="--on") from None
    try:
        result = quote(m3, months=months, meter_mm=meter_mm, on=day)
    except TariffError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(json.dumps(result.as_dict(), ensure_ascii=False))


COMMANDS = [import_cmd, quote_cmd]
