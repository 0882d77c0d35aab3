"""``machi bench``: measurements as ratios against a baseline taken in the same run."""

from __future__ import annotations

import click

from shell.bench.booking import booking
from shell.bench.bus import bus
from shell.bench.db_read import db_read
from shell.bench.garbage import garbage
from shell.bench.id import id_bench
from shell.bench.launch import launch
from shell.bench.library import library
from shell.bench.load import load
from shell.bench.pages import pages
from shell.bench.push import push
from shell.bench.school import school
from shell.bench.wallet import wallet


def register(group: click.Group) -> None:
    group.add_command(booking)
    group.add_command(bus)
    group.add_command(db_read)
    group.add_command(garbage)
    group.add_command(id_bench)
    group.add_command(launch)
    group.add_command(library)
    group.add_command(load)
    group.add_command(pages)
    group.add_command(push)
    group.add_command(school)
    group.add_command(wallet)
