"""``machi bench bus``: the on-demand bus planner.

1. Every Cordeau a-instance in ``miniapps/bus/data/darp-cordeau``: the length the solver
   (``darp.solve``: OR-Tools, then the large-neighbourhood search) finds in ``--seconds`` (30 by
   default, wall clock), the gap to the best-known length, and whether the solution is feasible
   (goals: all feasible, mean gap under 2 %, none over 5 %).
2. Answering one new booking by cheapest feasible insertion into a live plan of ``--requests``
   active requests (200 by default): p50/p95 over ``--answers`` answers (goal: p95 under 50 ms),
   against a baseline in the same run: re-checking the schedule of every bus of that plan.
"""

from __future__ import annotations

import importlib
import random
import statistics
import time
from typing import Any

import click

from shell.bench.stats import emit, figures
from shell.settings import ROOT

DATA = ROOT / "miniapps" / "bus" / "data" / "darp-cordeau"


def _modules() -> dict[str, Any]:
    from machi_sdk.app import load_miniapp

    load_miniapp(ROOT / "miniapps" / "bus")
    return {n: importlib.import_module(f"machi_miniapp_bus.{n}") for n in ("darp", "planner")}


def _instances(darp: Any, seconds: float, only: str) -> dict[str, Any]:
    names = sorted(p.stem for p in DATA.glob("a*.txt"))
    if only:
        wanted = {n.strip() for n in only.split(",") if n.strip()}
        names = [n for n in names if n in wanted]
    gaps, feasible = [], 0
    for name in names:
        instance = darp.load(DATA / f"{name}.txt")
        began = time.perf_counter()
        solution = darp.solve(instance, seconds)
        took = time.perf_counter() - began
        problems = darp.violations(instance, solution) if solution.routes else ["no solution"]
        ok = solution.status == "feasible" and not problems
        best = darp.BEST_KNOWN.get(name)
        gap = round(100 * (solution.length / best - 1), 2) if ok and best else None
        feasible += ok
        if gap is not None:
            gaps.append(gap)
        emit({"name": "bus", "what": "cordeau", "instance": name, "seconds": round(took, 1),
              "length": round(solution.length, 2) if ok else None, "best_known": best,
              "gap_percent": gap, "feasible": ok, "problems": problems[:3]})  # fmt: skip
    return {
        "instances": len(names),
        "feasible": feasible,
        "mean_gap_percent": round(statistics.fmean(gaps), 2) if gaps else None,
        "max_gap_percent": max(gaps) if gaps else None,
    }


def _live_plan(planner: Any, requests: int, rng: random.Random) -> tuple[Any, list[Any]]:
    """A town of 60 stops in 10 km x 10 km, 12 vans of 8 seats, ``requests`` rides booked one
    by one over a 10-hour day (each kept where insertion put it)."""
    where = {s: (33.40 + rng.random() * 0.09, 129.80 + rng.random() * 0.11) for s in range(60)}
    travel = planner.TravelTimes(where, speed_kmh=30)
    buses = [planner.Bus(v, depot=0, seats=8) for v in range(12)]
    plan = planner.Plan(buses, {}, travel.at_hour(10), dwell=1.0, day_end=18 * 60 + 60)

    def ride(i: int) -> Any:
        a, b = rng.sample(range(60), 2)
        start = rng.uniform(8 * 60, 17 * 60)
        direct = travel.minutes(a, b, 10)
        return planner.Ride(i, a, b, riders=rng.choice((1, 1, 1, 2)), window_start=start,
                            window_end=start + 20, max_ride=direct + 20)  # fmt: skip

    made, i = 0, 0
    while made < requests and i < requests * 5:
        i += 1
        new = ride(i)
        found = plan.insert(new)
        if found is None:
            continue
        bus, route, _times = found
        plan.rides[new.id] = new
        bus.route = route
        made += 1
    return plan, [ride(10_000 + k) for k in range(1000)]


def _answers(planner: Any, requests: int, answers: int, seed: int) -> dict[str, Any]:
    rng = random.Random(seed)
    plan, asks = _live_plan(planner, requests, rng)
    latencies, accepted = [], 0
    began = time.perf_counter()
    for ask in asks[:answers]:
        t0 = time.perf_counter()
        accepted += plan.insert(ask) is not None
        latencies.append(time.perf_counter() - t0)
    elapsed = time.perf_counter() - began
    base_lat = []
    base_began = time.perf_counter()
    for _ in range(answers):
        t0 = time.perf_counter()
        assert all(plan.times(bus) is not None for bus in plan.buses)
        base_lat.append(time.perf_counter() - t0)
    base_elapsed = time.perf_counter() - base_began
    result, baseline = figures(latencies, elapsed), figures(base_lat, base_elapsed)
    emit({"name": "bus", "what": "insert one booking into the live plan",
          "active_requests": len(plan.rides), "accepted": accepted, **result})  # fmt: skip
    emit({"name": "bus", "what": "baseline: re-check every bus's schedule", **baseline})
    return {**result, "baseline_per_second": baseline["per_second"],
            "ratio": round(result["per_second"] / baseline["per_second"], 3),
            "active_requests": len(plan.rides), "answers": answers,
            "accepted": accepted}  # fmt: skip


@click.command("bus")
@click.option("--seconds", default=30.0, show_default=True, help="Solver time per instance.")
@click.option("--instances", default="", help="Only these a-instances (comma-separated names).")
@click.option("--requests", default=200, show_default=True, help="Active requests in the plan.")
@click.option("--answers", default=200, show_default=True, help="New bookings to answer.")
@click.option("--seed", default=10, show_default=True, help="Random seed of the live plan.")
def bus(seconds: float, instances: str, requests: int, answers: int, seed: int) -> None:
    """Cordeau a-instances solved (length, gap, feasibility) and booking answers p50/p95."""
    if seconds <= 0 or requests < 1 or answers < 2:
        raise click.BadParameter("need seconds > 0, 1 request and 2 answers at least")
    modules = _modules()
    cordeau = _instances(modules["darp"], seconds, instances)
    live = _answers(modules["planner"], requests, answers, seed)
    mean_gap, max_gap = cordeau["mean_gap_percent"], cordeau["max_gap_percent"]
    emit({"name": "bus", "summary": True, **live, **cordeau, "seconds_per_instance": seconds,
          "goal_met": bool(cordeau["feasible"] == cordeau["instances"]
                           and mean_gap is not None and mean_gap < 2
                           and max_gap is not None and max_gap <= 5
                           and live["p95_ms"] < 50)})  # fmt: skip
