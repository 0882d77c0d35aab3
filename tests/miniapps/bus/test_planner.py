"""The live plan: a new request inserted at its cheapest feasible place, every promise kept;
a re-optimised plan adopted only when it keeps every promise; learned travel times."""

from __future__ import annotations

import math
import random

from .conftest import module

planner = module("planner")
optimise = module("optimise")
Ride, Bus, Plan = planner.Ride, planner.Bus, planner.Plan


def line(a: int, b: int) -> float:
    """Stops 0..20 on a straight road, two minutes apart."""
    return abs(a - b) * 2.0


def plan_with(*rides, buses=None) -> Plan:
    buses = buses or [Bus(1, depot=0, seats=4), Bus(2, depot=10, seats=4)]
    plan = Plan(buses, {}, line, dwell=1.0, day_end=600.0)
    for ride in rides:
        found = plan.insert(ride)
        assert found is not None, ride
        bus, route, _times = found
        plan.rides[ride.id] = ride
        bus.route = route
    return plan


def test_insertion_keeps_every_earlier_promise():
    first = Ride(1, pickup=2, drop=8, window_start=100, window_end=110, max_ride=20)
    plan = plan_with(first)
    before = {b.id: b.route for b in plan.buses}
    # a second rider on the same road a little later: shares the bus if it keeps the promise
    second = Ride(2, pickup=4, drop=9, window_start=100, window_end=120, max_ride=20)
    _bus, route, times = plan.insert(second)
    assert (1, True) in route
    assert route.index((2, True)) < route.index((2, False))
    at = dict(zip(route, times[1:-1], strict=False))
    assert 100 <= at[(1, True)] <= 110  # the first rider's window still holds
    assert at[(1, False)] - at[(1, True)] - 1.0 <= 20
    assert 100 <= at[(2, True)] <= 120
    assert {b.id: b.route for b in plan.buses} == before  # asking changes nothing


def test_a_request_that_would_break_a_promise_goes_elsewhere_or_is_refused():
    full = Ride(1, pickup=1, drop=9, riders=4, window_start=100, window_end=105, max_ride=30)
    plan = plan_with(full, buses=[Bus(1, depot=0, seats=4)])
    # the only bus is full from stop 1 to 9 at that time: a fifth rider cannot share it
    crowd = Ride(2, pickup=3, drop=5, window_start=100, window_end=106, max_ride=10)
    assert plan.insert(crowd) is None
    later = Ride(3, pickup=3, drop=5, window_start=140, window_end=160, max_ride=10)
    assert plan.insert(later) is not None


def test_wheelchair_needs_a_place():
    plan = Plan([Bus(1, depot=0, seats=8, chairs=0)], {}, line, day_end=600.0)
    chair = Ride(1, pickup=1, drop=3, chairs=1, window_start=100, window_end=120, max_ride=20)
    assert plan.insert(chair) is None
    plan.buses.append(Bus(2, depot=0, seats=8, chairs=1))
    assert plan.insert(chair)[0].id == 2


def test_a_rider_on_board_keeps_the_ride_time_promise():
    ride = Ride(1, pickup=2, drop=9, window_start=100, window_end=110, max_ride=18,
                picked_at=105)  # fmt: skip
    bus = Bus(1, depot=0, seats=4, at=2, ready=106, on_road=True, route=[(1, False)])
    plan = Plan([bus], {1: ride}, line, day_end=600.0)
    times = plan.times(bus)
    assert times[1] == 106 + 14  # straight on to stop 9
    # a detour that would make the ride 106 -> 20 -> 9 is refused: it breaks the promise
    detour = Ride(2, pickup=20, drop=19, window_start=0, window_end=600, max_ride=60)
    found = plan.insert(detour)
    assert found is None or found[1].index((1, False)) < found[1].index((2, True))


def test_a_shorter_plan_breaking_a_promise_is_refused():
    early = Ride(1, pickup=2, drop=6, window_start=100, window_end=105, max_ride=20)
    late = Ride(2, pickup=3, drop=7, window_start=200, window_end=205, max_ride=20)
    plan = plan_with(early, late, buses=[Bus(1, depot=0, seats=4)])
    assert plan.buses[0].route == [(1, True), (1, False), (2, True), (2, False)]
    shared = {1: [(1, True), (2, True), (1, False), (2, False)]}
    current = {1: list(plan.buses[0].route)}
    assert plan.cost(shared) < plan.cost(current)  # shorter …
    assert not plan.keeps_promises(shared)  # … but rider 2 would be picked up at 107, not 200
    assert not plan.adopt(shared)
    assert plan.buses[0].route == current[1]
    dropped = {1: [(1, True), (1, False)]}  # shorter still: rider 2 forgotten
    assert not plan.adopt(dropped)


def test_reoptimisation_adopts_a_shorter_plan_that_keeps_every_promise():
    rng = random.Random(7)
    plan = Plan([Bus(1, depot=0, seats=3), Bus(2, depot=20, seats=3)], {}, line, day_end=900.0)
    for i in range(1, 15):
        a = rng.randrange(0, 21)
        b = rng.choice([s for s in range(21) if s != a])
        start = rng.randrange(60, 300)
        ride = Ride(i, a, b, window_start=start, window_end=start + 30, max_ride=line(a, b) + 25)
        found = plan.insert(ride)
        if found:
            plan.rides[i] = ride
            found[0].route = found[1]
    before = plan.cost({b.id: b.route for b in plan.buses})
    proposal = optimise.propose(plan, seconds=0.5)
    assert proposal is not None
    assert plan.keeps_promises(proposal)
    assert plan.cost(proposal) <= before
    assert plan.adopt(proposal) == (plan.cost(proposal) < before - 1e-9)
    for bus in plan.buses:
        times = plan.times(bus)
        assert times is not None
        for (ride_id, pickup), at in zip(bus.route, times[1:-1], strict=False):
            ride = plan.rides[ride_id]
            if pickup:
                assert ride.window_start - 1e-6 <= at <= ride.window_end + 1e-6


def test_travel_times_learn_from_drivers_by_smoothing():
    where = {1: (33.52, 129.84), 2: (33.53, 129.85)}
    travel = planner.TravelTimes(where, speed_kmh=30)
    first = travel.minutes(1, 2, 9)
    assert 2 < first < 5  # about 1.4 km at 30 km/h, with detours
    assert travel.minutes(1, 2, 9) == travel.minutes(1, 2, 17)
    travel.learn(1, 2, 9, 10.0)
    assert math.isclose(travel.minutes(1, 2, 9), first + 0.3 * (10.0 - first))
    assert travel.minutes(1, 2, 17) == first  # another hour keeps its own figure
    for _ in range(30):
        travel.learn(1, 2, 9, 10.0)
    assert abs(travel.minutes(1, 2, 9) - 10.0) < 0.01
    assert travel.minutes(2, 1, 9) == first  # each direction on its own
