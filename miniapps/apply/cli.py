"""``machi apply export SLUG`` (CSV of a procedure's applications for the back-office system)
and ``machi apply publish SLUG`` (publish the draft of a procedure)."""

from __future__ import annotations

import csv
import sys

import click

from . import actions
from .schema import SchemaError


@click.command("export")
@click.argument("slug")
async def export_cmd(slug: str) -> None:
    """Write every sent application of SLUG as CSV to standard output."""
    try:
        header, rows = await actions.export_rows(slug)
    except actions.Refused as exc:
        raise click.ClickException(f"{slug}: {exc.reason}") from None
    writer = csv.writer(sys.stdout, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)


@click.command("publish")
@click.argument("slug")
async def publish_cmd(slug: str) -> None:
    """Publish the draft of SLUG as its next version."""
    try:
        number = await actions.publish(slug)
    except actions.Refused as exc:
        raise click.ClickException(f"{slug}: {exc.reason}") from None
    except SchemaError as exc:
        raise click.ClickException(f"{slug}: {exc}") from None
    click.echo(f"{slug}: version {number} published")


COMMANDS = [export_cmd, publish_cmd]
