"""The Cordeau benchmark: four instances solved within 0.5 % of the best-known length, every
solution checked by the independent feasibility checker; the command's JSON; bad files refused."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from click.testing import CliRunner

from shell.settings import ROOT

from .conftest import INSTANCES, module
from .feasibility import problems

darp = module("darp")
cli = module("cli")

# best-known total route lengths (miniapps/bus/data/darp-cordeau/README.md)
BEST = {"a2-16": 294.25, "a2-20": 344.83, "a4-32": 485.50, "a3-36": 583.19}
# Each instance runs until its routes are within 0.5 % (``--target``), 30 s at most: on this
# machine kind that takes 1 to 8 s each. The search's phases are measured on the wall clock, so
# a machine busy with other work sends it down another path: sharing the two cores with the
# rest of the suite, a3-36 stayed at 1.0 % for 60 s with seed 1 and seed 2 placed no plan at
# all. So this module runs by itself, after the rest (the ``exclusive`` mark; `make test`).
# A fixed time would pass or fail with the machine's load (1.7 % after 0.5 s, 0.2 % after 1 s).
SECONDS = 30.0

pytestmark = pytest.mark.exclusive


@pytest.fixture(name="solutions", scope="module")
def fx_solutions() -> dict[str, dict]:
    """Each instance solved once through the command, as a user runs it."""
    runner = CliRunner()
    found = {}
    for name in BEST:
        target = str(BEST[name] * 1.005)
        done = runner.invoke(
            cli.solve_cmd,
            [str(INSTANCES / f"{name}.txt"), "--seconds", str(SECONDS), "--target", target],
        )
        assert done.exit_code == 0, done.output
        found[name] = json.loads(done.output)
    return found


@pytest.mark.parametrize("name", sorted(BEST))
def test_reproduces_best_known_length_feasibly(solutions, name):
    solution = solutions[name]
    assert problems(INSTANCES / f"{name}.txt", solution) == []
    assert solution["length"] <= BEST[name] * 1.005
    assert all(route[0] == 0 == route[-1] for route in solution["routes"])
    assert [len(t) for t in solution["times"]] == [len(r) for r in solution["routes"]]


def test_the_checker_catches_a_broken_solution(solutions):
    """The checker is worth trusting: it finds a ride made too long and a missing request."""
    good = solutions["a2-16"]
    late = json.loads(json.dumps(good))
    route = next(r for r in late["routes"] if len(r) > 2)
    v = late["routes"].index(route)
    late["times"][v][-2] += 500  # the last drop-off served far too late
    assert problems(INSTANCES / "a2-16.txt", late)
    short = json.loads(json.dumps(good))
    short["routes"][v] = [0, *route[3:]]
    short["times"][v] = [0.0, *short["times"][v][3:]]
    assert any("not served" in p for p in problems(INSTANCES / "a2-16.txt", short))


def test_parser_counts_node_lines_not_the_header(tmp_path):
    text = (INSTANCES / "a2-16.txt").read_text()
    lines = text.splitlines()
    lines[0] = "2 99 480 3 30"  # a wrong N in the header
    instance = darp.parse("\n".join(lines))
    assert instance.requests == 16
    ended = darp.load(INSTANCES / "a2-20.txt")  # this one repeats the depot as node 41
    assert ended.requests == 20
    assert ended.end_latest == 600


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("", "empty"),
        ("2 4 480 3\n", "first line"),
        ("2 4 480 3 30\n0 0 0 0 0 0 1440\n1 1 1 3 1 0 1440\n", "node lines"),
        ("2 4 480 3 30\n0 0 0 0 0 0 1440\n1 1 x 3 1 0 1440\n3 2 2 3 -1 0 1440\n", "numbers"),
        ("2 4 480 3 30\n0 0 0 0 0 0 1440\n1 1 1 3 1 0 1440\n2 2 2 3 -2 0 1440\n", "negative"),
        ("2 4 480 3 30\n0 0 0 0 0 0 1440\n1 1 1 3 1 90 10\n2 2 2 3 -1 0 1440\n", "window"),
    ],
)
def test_malformed_instance_is_refused_clearly(tmp_path, text, says):
    path = tmp_path / "bad.txt"
    path.write_text(text)
    done = CliRunner().invoke(cli.solve_cmd, [str(path)])
    assert done.exit_code != 0
    assert says in done.output


def test_machi_bus_solve_from_the_command_line(tmp_path):
    """The real ``machi`` entry point: a missing file fails with a message and exit code 1."""
    env = {**os.environ, "MACHI_DATA_DIR": str(tmp_path), "MACHI_DATABASE_URL": "",
           "MACHI_MINIAPPS": "miniapps/bus"}  # fmt: skip
    done = subprocess.run(
        [sys.executable, "-m", "shell.cli", "bus", "solve", str(tmp_path / "missing.txt")],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 1
    assert "cannot read" in done.stderr
