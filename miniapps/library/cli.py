"""``machi library import FILE`` (MARC 21 or CSV) and ``machi library recommend``."""

from __future__ import annotations

from pathlib import Path

import click

from . import catalog
from .importer import ImportProblems, parse
from .jobs import compute_related


def _fail(exc: ImportProblems) -> None:
    for problem in exc.problems:
        click.echo(str(problem), err=True)
    raise click.ClickException(f"{len(exc.problems)} problem(s); nothing was imported")


@click.command("import")
@click.argument("file", type=click.Path(dir_okay=False))
async def import_cmd(file: str) -> None:
    """Import the catalogue from a MARC 21 file (.mrc) or a CSV (all or nothing)."""
    try:
        data = Path(file).read_bytes()  # noqa: ASYNC240 (a command, not a server)
    except OSError as exc:
        raise click.ClickException(f"cannot read {file}: {exc.strerror}") from None
    try:
        records = parse(data, Path(file).name)
    except ImportProblems as exc:
        await catalog.record_run(Path(file).name, ok=False, records=0, problems=exc.problems)
        _fail(exc)
    try:
        done = await catalog.import_records(records, Path(file).name)
    except ImportProblems as exc:
        _fail(exc)
    click.echo(f"imported {done['created']} new and {done['updated']} updated titles,"
               f" {done['copies']} copies")  # fmt: skip


@click.command("recommend")
async def recommend_cmd() -> None:
    """Recompute the title-to-title recommendations now (the job does it every 6 hours)."""
    click.echo(f"{await compute_related()} related pairs")


COMMANDS = [import_cmd, recommend_cmd]
