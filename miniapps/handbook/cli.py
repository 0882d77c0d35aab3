"""``machi handbook plan --born YYYY-MM-DD [--given VACCINE:DOSE:YYYY-MM-DD ...] [--on DAY]``."""

from __future__ import annotations

import datetime as dt
import json

import click

from . import vaccines


def _day(value: str, name: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a date YYYY-MM-DD", param_hint=name) from None


@click.command("plan")
@click.option("--born", required=True, help="Birth date, YYYY-MM-DD.")
@click.option("--given", multiple=True, help="A dose already given: VACCINE:DOSE:YYYY-MM-DD.")
@click.option("--on", "on", default=None, help="Plan as on this day (default: today).")
@click.option(
    "--sex", type=click.Choice(["F", "M"]), default=None, help="Leave out the other sex's vaccines."
)
def plan_cmd(born: str, given: tuple[str, ...], on: str | None, sex: str | None) -> None:
    """Print the routine immunisation plan as JSON: per vaccine and dose the earliest legal date,
    the standard window and the last eligible date; recorded doses outside the law are flagged."""
    born_day = _day(born, "--born")
    on_day = _day(on, "--on") if on else dt.date.today()
    try:
        doses = vaccines.parse_given(list(given))
        out = vaccines.plan_json(born_day, doses, on_day, sex)
    except (ValueError, LookupError) as exc:
        raise click.BadParameter(str(exc), param_hint="--given") from None
    click.echo(json.dumps(out, ensure_ascii=False, indent=2))


COMMANDS = [plan_cmd]
