"""``machi bus solve FILE [--seconds S]``: solve a Cordeau dial-a-ride instance, print JSON."""

from __future__ import annotations

import json

import click

from . import darp


@click.command("solve")
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--seconds", type=float, default=10.0, show_default=True,
              help="Wall-clock time for the whole search.")  # fmt: skip
@click.option("--target", type=float, default=None,
              help="Stop as soon as routes this short are found.")  # fmt: skip
@click.option("--seed", type=int, default=1, show_default=True,
              help="Seed of the search's random choices.")  # fmt: skip
def solve_cmd(file: str, seconds: float, target: float | None, seed: int) -> None:
    """Print {"length", "routes", "times"}: per vehicle the nodes from the depot back to the
    depot and when service starts at each."""
    if seconds <= 0:
        raise click.BadParameter("must be positive", param_hint="--seconds")
    try:
        instance = darp.load(file)
    except darp.InstanceError as exc:
        raise click.ClickException(str(exc)) from None
    solution = darp.solve(instance, seconds, target=target, seed=seed)
    if solution.status != "feasible":
        unserved = solution.extra.get("unserved", [])
        raise click.ClickException(
            f"no feasible plan found in {seconds:g} s (unserved: {unserved})"
        )
    click.echo(json.dumps(solution.as_json()))


COMMANDS = [solve_cmd]
