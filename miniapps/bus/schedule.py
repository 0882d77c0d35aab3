"""Whether a vehicle can drive a sequence of stops keeping every time promise, and when.

The check every planner in the app shares: the live plan (a new booking inserted at once), the
Cordeau benchmark (the insertion that seeds OR-Tools) and re-optimisation (a plan is adopted
only when this check passes for every route with every promise). It is Cordeau & Laporte's
(2003) eight-step schedule: start as early as possible, then delay the departure and each
pickup by as much of its *forward time slack* as removes waiting later on, so rides get
shorter; the result is then checked against every constraint, so a ``None`` answer may be
pessimistic but a schedule returned is always feasible.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

EPS = 1e-6


@dataclass(frozen=True, slots=True)
class Stop:
    """One visit: ``place`` (an index the travel function knows), the request it serves
    (``pickup`` or drop-off), the riders who board (positive) or alight (negative), the minutes
    spent at the stop and the window in which service must start."""

    place: int
    request: int
    pickup: bool
    load: int
    service: float
    earliest: float
    latest: float
    max_ride: float = math.inf  # only read on pickups: longest ride of this request
    chairs: int = 0  # wheelchair places taken (positive) or freed (negative)


@dataclass(frozen=True, slots=True)
class Vehicle:
    """Where and when a vehicle starts (its depot, or where it is now) and must end."""

    start: int
    end: int
    capacity: int
    earliest: float = 0.0  # leave no earlier
    latest_end: float = math.inf  # back no later
    max_duration: float = math.inf
    on_board: int = 0  # riders already on board (their drop-offs are in the route)
    chairs: int = 0  # wheelchair places
    chairs_on_board: int = 0
    start_fixed: bool = False  # already on the road: the start time cannot move


Travel = Callable[[int, int], float]


def schedule(vehicle: Vehicle, stops: Sequence[Stop], travel: Travel) -> list[float] | None:
    """Start-of-service times for ``[start, *stops, end]``, or ``None`` when the route
    breaks a window, the capacity, a ride time or the route duration (or the eight-step
    procedure cannot prove otherwise)."""
    q = len(stops) + 1
    places = [vehicle.start, *(s.place for s in stops), vehicle.end]
    early = [vehicle.earliest, *(s.earliest for s in stops), 0.0]
    late = [vehicle.earliest if vehicle.start_fixed else math.inf,
            *(s.latest for s in stops), vehicle.latest_end]  # fmt: skip
    service = [0.0, *(s.service for s in stops), 0.0]
    legs = [travel(places[i], places[i + 1]) for i in range(q)]
    # capacity and pairing first: cheap, and no schedule fixes them
    load, chairs = vehicle.on_board, vehicle.chairs_on_board
    pick_at: dict[int, int] = {}
    drop_of: dict[int, int] = {}  # drop position -> pickup position (same route only)
    for pos, stop in enumerate(stops, 1):
        load += stop.load
        chairs += stop.chairs
        if load > vehicle.capacity or load < 0 or chairs > vehicle.chairs or chairs < 0:
            return None
        if stop.pickup:
            pick_at[stop.request] = pos
        elif stop.request in pick_at:
            drop_of[pos] = pick_at.pop(stop.request)
    if pick_at:
        return None  # a pickup without its drop-off after it
    ride_limit = {pos: stops[p - 1].max_ride for pos, p in drop_of.items()}

    arrive = [0.0] * (q + 1)
    begin = [0.0] * (q + 1)
    wait = [0.0] * (q + 1)

    def forward(frm: int) -> None:
        for i in range(frm, q + 1):
            arrive[i] = begin[i - 1] + service[i - 1] + legs[i - 1]
            begin[i] = max(early[i], arrive[i])
            wait[i] = begin[i] - arrive[i]

    def slack(i: int) -> float:
        best, waited = math.inf, 0.0
        for j in range(i, q + 1):
            if j > i:
                waited += wait[j]
            room = late[j] - begin[j]
            p = drop_of.get(j)
            if p is not None and p < i:
                room = min(room, ride_limit[j] - (begin[j] - begin[p] - service[p]))
            if j == q and i > 0:
                room = min(room, vehicle.max_duration - (begin[q] - begin[0]))
            best = min(best, waited + max(room, 0.0))
        return best

    def ok() -> bool:
        if any(begin[i] > late[i] + EPS for i in range(q + 1)):
            return False
        if begin[q] - begin[0] > vehicle.max_duration + EPS:
            return False
        return all(
            begin[j] - begin[p] - service[p] <= ride_limit[j] + EPS for j, p in drop_of.items()
        )

    begin[0] = vehicle.earliest
    forward(1)
    if any(begin[i] > late[i] + EPS for i in range(q + 1)):
        return None
    if not vehicle.start_fixed:
        begin[0] = vehicle.earliest + min(slack(0), sum(wait[1:q]))
        forward(1)
    if ok():
        return begin
    for j in range(1, q):
        if not stops[j - 1].pickup:
            continue
        delay = min(slack(j), sum(wait[j + 1 : q]))
        if delay <= 0:
            continue
        begin[j] += delay
        wait[j] += delay
        forward(j + 1)
    if ok():
        return begin
    # The eight steps are a heuristic: settle it exactly (a simple temporal network).
    steps = [service[k] + legs[k] for k in range(q)]
    return _exact(early, late, steps, drop_of, ride_limit, service, vehicle.max_duration)


def _exact(
    early: list[float],
    late: list[float],
    steps: list[float],
    drop_of: dict[int, int],
    ride_limit: dict[int, float],
    service: list[float],
    max_duration: float,
) -> list[float] | None:
    """The earliest times meeting every constraint, or None: each constraint is a difference
    ``t_v - t_u <= w``; a schedule exists iff the graph has no negative cycle (Bellman-Ford),
    and ``t_v = -(shortest path from v to the origin)`` is the earliest one."""
    q = len(late) - 1
    origin = q + 1
    # edges u -> v of weight w mean t_v - t_u <= w; relaxed backwards (v -> u) to reach origin
    edges: list[tuple[int, int, float]] = []
    for k in range(q + 1):
        edges.append((k, origin, -early[k]))  # t_k >= early
        if math.isfinite(late[k]):
            edges.append((origin, k, late[k]))  # t_k <= late
    for k in range(q):
        edges.append((k + 1, k, -steps[k]))  # t_{k+1} >= t_k + service + travel
    for d, p in drop_of.items():
        if math.isfinite(ride_limit[d]):
            edges.append((p, d, ride_limit[d] + service[p]))
    if math.isfinite(max_duration):
        edges.append((0, q, max_duration))
    to_origin = [math.inf] * (q + 2)
    to_origin[origin] = 0.0
    for _ in range(q + 2):
        changed = False
        for u, v, w in edges:  # path u -> v -> ... -> origin
            if to_origin[v] + w < to_origin[u] - 1e-9:
                to_origin[u] = to_origin[v] + w
                changed = True
        if not changed:
            break
    else:
        return None  # still relaxing after |V| rounds: a negative cycle, no schedule
    times = [-to_origin[k] for k in range(q + 1)]
    if any(not math.isfinite(t) for t in times):
        return None
    return times


def route_cost(vehicle: Vehicle, stops: Sequence[Stop], travel: Travel) -> float:
    places = [vehicle.start, *(s.place for s in stops), vehicle.end]
    return sum(travel(a, b) for a, b in itertools.pairwise(places))


@dataclass(frozen=True, slots=True)
class Insertion:
    vehicle: int
    pickup_at: int  # index in the route's stops where the pickup goes
    drop_at: int  # index in the new route (after the pickup's insertion)
    added: float  # extra distance
    times: list[float]


def earliest_times(vehicle: Vehicle, stops: Sequence[Stop], travel: Travel) -> list[float]:
    """The earliest each of ``[start, *stops]`` can begin (waiting for windows to open): a lower
    bound for any schedule of the route, and of any route made by inserting more stops."""
    begin, place, service = vehicle.earliest, vehicle.start, 0.0
    found = [begin]
    for stop in stops:
        begin = max(stop.earliest, begin + service + travel(place, stop.place))
        found.append(begin)
        place, service = stop.place, stop.service
    return found


def cheapest_insertion(
    vehicles: Sequence[Vehicle],
    routes: Sequence[Sequence[Stop]],
    pickup: Stop,
    drop: Stop,
    travel: Travel,
    *,
    frozen: Sequence[int] | None = None,
) -> Insertion | None:
    """The cheapest feasible place for a new request in any route: candidates in order of
    added distance, each checked with :func:`schedule` until one passes. ``frozen[v]`` stops
    of route ``v`` are already done (nothing goes before them).

    Only places that pass a quick necessary test become candidates: every time window can still
    be met (the earliest each stop can begin, against the latest it may begin so that all later
    windows can still be met) and the seats and wheelchair places suffice; ride times and the
    route duration are left to :func:`schedule`."""
    candidates: list[tuple[float, int, int, int]] = []
    direct = travel(pickup.place, drop.place)
    drop_latest = min(drop.latest, pickup.latest + pickup.service + pickup.max_ride)
    q, chairs = pickup.load, pickup.chairs
    for v, (vehicle, route) in enumerate(zip(vehicles, routes, strict=True)):
        if q > vehicle.capacity or chairs > vehicle.chairs:
            continue
        n = len(route)
        places = [vehicle.start, *(s.place for s in route), vehicle.end]
        services = [0.0, *(s.service for s in route), 0.0]
        opens = [vehicle.earliest, *(s.earliest for s in route), 0.0]
        legs = [travel(places[k], places[k + 1]) for k in range(n + 1)]
        early = earliest_times(vehicle, route, travel)
        late = [0.0] * (n + 2)
        late[n + 1] = vehicle.latest_end
        for k in range(n, -1, -1):
            own = route[k - 1].latest if k else (
                vehicle.earliest if vehicle.start_fixed else math.inf
            )  # fmt: skip
            late[k] = min(own, late[k + 1] - services[k] - legs[k])
        seats, wheels = [vehicle.on_board], [vehicle.chairs_on_board]
        for stop in route:
            seats.append(seats[-1] + stop.load)
            wheels.append(wheels[-1] + stop.chairs)
        first = frozen[v] if frozen else 0
        for i in range(first, n + 1):
            a, b = places[i], places[i + 1]
            to_pick = travel(a, pickup.place)
            begin_p = max(pickup.earliest, early[i] + services[i] + to_pick)
            if begin_p > pickup.latest + EPS:
                break  # later places are reached later still
            if seats[i] + q > vehicle.capacity or wheels[i] + chairs > vehicle.chairs:
                continue
            base_i = to_pick - legs[i]
            # the drop-off right after the pickup
            begin_d = max(drop.earliest, begin_p + pickup.service + direct)
            after = begin_d + drop.service + travel(drop.place, b)
            if begin_d <= drop_latest + EPS and after <= late[i + 1] + EPS:
                candidates.append((base_i + direct + travel(drop.place, b), v, i, i + 1))
            # or after the stops i+1 .. j
            into_pick = base_i + travel(pickup.place, b)
            clock, here, spent = begin_p, pickup.place, pickup.service
            for j in range(i + 1, n + 1):
                clock = max(opens[j], clock + spent + travel(here, places[j]))
                if clock > late[j] + EPS:
                    break  # a later stop's window would be missed, whatever follows
                if seats[j] + q > vehicle.capacity or wheels[j] + chairs > vehicle.chairs:
                    break
                here, spent = places[j], services[j]
                c, d = places[j], places[j + 1]
                to_drop = travel(c, drop.place)
                begin_d = max(drop.earliest, clock + spent + to_drop)
                if begin_d > drop_latest + EPS:
                    break
                if begin_d + drop.service + travel(drop.place, d) > late[j + 1] + EPS:
                    continue
                added = into_pick + to_drop + travel(drop.place, d) - legs[j]
                candidates.append((added, v, i, j + 1))
    candidates.sort()
    for added, v, i, j in candidates:
        route = list(routes[v])
        route.insert(i, pickup)
        route.insert(j, drop)
        times = schedule(vehicles[v], route, travel)
        if times is not None:
            return Insertion(v, i, j, added, times)
    return None
