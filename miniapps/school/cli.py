"""``machi school add-class ...`` and ``machi school enrol ...`` (the school office's commands)."""

from __future__ import annotations

import click

from . import actions


@click.command("add-class")
@click.option("--school", required=True, help="the school's or nursery's name")
@click.option("--name", required=True, help="the class, e.g. 1年1組 or ひよこ組")
@click.option("--grade", type=int, default=0, show_default=True)
@click.option(
    "--kind", type=click.Choice(["school", "nursery"]), default="school", show_default=True
)
@click.option("--deadline", default="08:30", show_default=True, help="same-day notices until HH:MM")
@click.option("--office-hours", default="", help="when parents can expect an answer")
async def add_class(school: str, name: str, grade: int, kind: str, deadline: str,
                    office_hours: str) -> None:  # fmt: skip
    """Create a class and print the code its staff join it with."""
    try:
        class_id, code = await actions.create_class(
            school, name, grade=grade, kind=kind, deadline=deadline, office_hours=office_hours
        )
    except actions.Refused as exc:
        raise click.ClickException(f"refused: {exc.reason}") from None
    click.echo(f"class {class_id}: staff code {code}")


@click.command("enrol")
@click.option("--class-id", type=int, required=True)
@click.option("--name", required=True, help="the child's first name")
@click.option("--kana", default="")
async def enrol(class_id: int, name: str, kana: str) -> None:
    """Enrol a child and print the code for its guardians (valid 30 days, two guardians)."""
    from .tables import SchoolClass

    if not await SchoolClass.exists().where(SchoolClass.id == class_id):
        raise click.ClickException(f"no class {class_id}")
    try:
        child_id, code = await actions.add_child(class_id, name, kana)
    except actions.Refused as exc:
        raise click.ClickException(f"refused: {exc.reason}") from None
    click.echo(f"child {child_id}: guardian code {code}")


@click.command("staff-code")
@click.option("--class-id", type=int, required=True)
@click.option("--remove-staff", is_flag=True, help="staff must join again with the new code")
async def staff_code(class_id: int, remove_staff: bool) -> None:
    """Print a new staff code for a class (the old one stops working)."""
    from .tables import SchoolClass

    if not await SchoolClass.exists().where(SchoolClass.id == class_id):
        raise click.ClickException(f"no class {class_id}")
    code = await actions.new_staff_code(class_id, remove_staff=remove_staff)
    click.echo(f"class {class_id}: staff code {code}")


COMMANDS = [add_class, enrol, staff_code]
