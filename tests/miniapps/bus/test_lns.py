"""The large-neighbourhood search of the Cordeau benchmark: it only ever returns routes the
independent checker accepts, never longer than where it started, and the same seed gives the
same routes."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from .conftest import INSTANCES, module
from .feasibility import problems

darp = module("darp")
lns = module("lns")
cli = module("cli")


def _as_json(instance, routes, times) -> dict:
    full = [[0, *route, 0] for route in routes]
    solution = darp.Solution(
        darp.route_length(instance, full), full, [[t / lns.SCALE for t in at] for at in times]
    )
    return solution.as_json()


def _start(instance, search):
    """Cheapest-insertion routes and their schedules, as the search is handed them."""
    routes = darp.insertion_routes(instance, tries=1)
    times = [search.times(route) for route in routes]
    assert all(at is not None for at in times)
    return routes, times


def test_search_improves_feasibly_and_repeats_with_its_seed():
    path = INSTANCES / "a4-40.txt"
    instance = darp.load(path)
    found = []
    for _ in range(2):
        search = lns.Search(instance, seed=7)
        routes, times = _start(instance, search)
        start = sum(search.cost(route) for route in routes)
        best_routes, best_times, best = search.run(routes, times, 60.0, iterations=150)
        solution = _as_json(instance, best_routes, best_times)
        assert problems(path, solution) == []
        assert best < start  # 150 iterations always shorten a plain insertion's routes
        found.append(best_routes)
    assert found[0] == found[1]


def test_check_refuses_what_breaks_a_ride_time_or_a_window():
    instance = darp.load(INSTANCES / "a2-16.txt")
    search = lns.Search(instance)
    n = instance.requests
    assert search.times([1, n + 1]) is not None
    assert search.times([n + 1, 1]) is None  # the drop-off before the pickup
    # every rider picked up first and dropped off last: rides far too long, or seats short
    assert search.times([*range(1, n + 1), *range(n + 1, 2 * n + 1)]) is None


@pytest.mark.exclusive  # 3 s of search: on a busy machine it finds less (see test_darp)
def test_solve_command_takes_a_seed_and_a_larger_instance_stays_feasible():
    path = INSTANCES / "a6-48.txt"
    done = CliRunner().invoke(cli.solve_cmd, [str(path), "--seconds", "3", "--seed", "5"])
    assert done.exit_code == 0, done.output
    solution = json.loads(done.output)
    assert problems(path, solution) == []
    assert solution["length"] <= darp.BEST_KNOWN["a6-48"] * 1.15
