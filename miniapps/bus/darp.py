"""The dial-a-ride problem (DARP) as Cordeau (2006) states it, and its solver.

An instance: ``K`` vehicles of capacity ``Q`` leave the depot (node 0) and come back within the
route duration ``T``; request ``i`` (1..n) is picked up at node ``i`` and dropped off at node
``n + i`` by the same vehicle, each node served inside its time window ``[e, l]`` (a vehicle
may arrive early and wait), after a service time ``d``; a rider is on board at most ``L``
(from the end of service at the pickup to the start of service at the drop-off). Travel time
and cost are the Euclidean distance. The solver (:func:`solve`) starts from the insertion of
:mod:`.schedule`, improves it with OR-Tools' routing library (pickup-and-delivery with time
windows), then alternates the large-neighbourhood search of :mod:`.lns` with OR-Tools polishing
its best routes. Times are scaled to integers (hundredths) for both, rounded *up* so a schedule
found is feasible in exact arithmetic too, and lengths are summed in floats.

Pure Python: no database, no web. ``machi bus solve FILE`` prints :func:`solve`'s answer.
"""

from __future__ import annotations

import itertools
import math
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .schedule import Stop, Vehicle, cheapest_insertion, route_cost

UNSERVED_PENALTY = 10**9  # a request left out costs more than any route (OR-Tools may start so)
SCALE = 100  # OR-Tools works on integers: hundredths of a minute / distance unit


#: Best-known total route lengths of the a-instances (data/darp-cordeau/README.md).
BEST_KNOWN = {
    "a2-16": 294.25, "a2-20": 344.83, "a2-24": 431.12, "a3-24": 344.83, "a3-30": 494.85,
    "a3-36": 583.19, "a4-32": 485.50, "a4-40": 557.69, "a4-48": 668.82, "a5-40": 498.41,
    "a5-50": 686.62, "a5-60": 808.42, "a6-48": 604.12, "a6-60": 819.25, "a6-72": 916.05,
    "a7-56": 724.04, "a7-70": 889.12, "a7-84": 1033.37, "a8-64": 747.46, "a8-80": 945.73,
    "a8-96": 1229.66,
}  # fmt: skip


class InstanceError(ValueError):
    """The instance text is not a Cordeau DARP instance; the message says where and why."""


@dataclass(frozen=True)
class Node:
    id: int
    x: float
    y: float
    service: float
    load: int
    earliest: float
    latest: float


@dataclass(frozen=True)
class Instance:
    name: str
    vehicles: int
    max_duration: float
    capacity: int
    max_ride: float
    nodes: tuple[Node, ...]
    end_earliest: float = 0.0  # the window of the return to the depot
    end_latest: float = math.inf

    @property
    def requests(self) -> int:
        return (len(self.nodes) - 1) // 2

    def distance(self, a: int, b: int) -> float:
        na, nb = self.nodes[a], self.nodes[b]
        return math.hypot(na.x - nb.x, na.y - nb.y)


@dataclass
class Solution:
    length: float
    routes: list[list[int]]
    times: list[list[float]]
    status: str = "feasible"
    extra: dict[str, object] = field(default_factory=dict)

    def as_json(self) -> dict[str, object]:
        return {
            "length": round(self.length, 2),
            "routes": self.routes,
            "times": [[round(t, 2) for t in route] for route in self.times],
        }


def parse(text: str, name: str = "instance") -> Instance:
    """Read an instance: a header ``K N T Q L``, then one line ``id x y d q e l`` per node.

    Nodes are counted (the header's ``N`` is not trusted); there must be a depot and an even
    number of further nodes, numbered 0, 1, 2, … in order, each pickup's load the negative of
    its drop-off's."""
    lines = [(no, line.split()) for no, line in enumerate(text.splitlines(), 1) if line.strip()]
    if not lines:
        raise InstanceError(f"{name}: empty file")
    head_no, head = lines[0]
    if len(head) != 5:
        raise InstanceError(f"{name}:{head_no}: the first line must be 'K N T Q L' (5 numbers)")
    try:
        vehicles, capacity = int(head[0]), int(head[3])
        max_duration, max_ride = float(head[2]), float(head[4])
    except ValueError:
        raise InstanceError(f"{name}:{head_no}: the first line must hold numbers") from None
    if vehicles < 1 or capacity < 1 or max_duration <= 0 or max_ride <= 0:
        raise InstanceError(f"{name}:{head_no}: vehicles, capacity, T and L must be positive")
    nodes: list[Node] = []
    for no, parts in lines[1:]:
        if len(parts) != 7:
            raise InstanceError(f"{name}:{no}: a node line has 7 fields, this one {len(parts)}")
        try:
            node = Node(int(parts[0]), float(parts[1]), float(parts[2]), float(parts[3]),
                        int(parts[4]), float(parts[5]), float(parts[6]))  # fmt: skip
        except ValueError:
            raise InstanceError(f"{name}:{no}: a node line must hold numbers") from None
        if node.id != len(nodes):
            raise InstanceError(f"{name}:{no}: node {node.id} where node {len(nodes)} belongs")
        if node.earliest > node.latest or node.service < 0:
            raise InstanceError(f"{name}:{no}: node {node.id} has an empty time window")
        if not all(math.isfinite(v) for v in (node.x, node.y, node.earliest, node.latest)):
            raise InstanceError(f"{name}:{no}: node {node.id} has a non-finite number")
        nodes.append(node)
    end_depot = None
    if len(nodes) % 2 == 0 and len(nodes) >= 4 and nodes[-1].load == 0:
        # Some files repeat the depot as node 2n+1 (the end of every route) with its own window.
        end_depot = nodes.pop()
        if (end_depot.x, end_depot.y) != (nodes[0].x, nodes[0].y):
            raise InstanceError(f"{name}: node {end_depot.id} (the end depot) is not at the depot")
    if len(nodes) < 3 or len(nodes) % 2 == 0:
        raise InstanceError(
            f"{name}: {len(nodes)} node lines; expected the depot and pairs of pickup/drop-off"
        )
    n = (len(nodes) - 1) // 2
    for i in range(1, n + 1):
        if nodes[i].load <= 0 or nodes[i].load != -nodes[n + i].load:
            raise InstanceError(f"{name}: request {i}: pickup load must be the drop-off's negative")
        if nodes[i].load > capacity:
            raise InstanceError(f"{name}: request {i} carries more riders than a vehicle seats")
    if nodes[0].load != 0:
        raise InstanceError(f"{name}: the depot (node 0) carries a load")
    end = end_depot or nodes[0]
    return Instance(name, vehicles, max_duration, capacity, max_ride, tuple(nodes),
                    end_earliest=end.earliest, end_latest=end.latest)  # fmt: skip


def load(path: str | Path) -> Instance:
    """Parse the instance file at ``path``."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InstanceError(f"{path}: cannot read ({exc})") from None
    return parse(text, path.stem)


def _up(value: float) -> int:
    return math.ceil(value * SCALE - 1e-9)


def route_length(instance: Instance, routes: list[list[int]]) -> float:
    return sum(instance.distance(a, b) for route in routes for a, b in itertools.pairwise(route))


def as_vehicles_and_stops(instance: Instance) -> tuple[list[Vehicle], list[tuple[Stop, Stop]]]:
    """The instance in the terms of :mod:`.schedule` (places are node ids)."""
    depot, n = instance.nodes[0], instance.requests
    vehicle = Vehicle(0, 0, instance.capacity, earliest=depot.earliest,
                      latest_end=min(instance.end_latest, depot.latest + instance.max_duration),
                      max_duration=instance.max_duration)  # fmt: skip
    pairs = []
    for i in range(1, n + 1):
        p, d = instance.nodes[i], instance.nodes[n + i]
        pairs.append((
            Stop(i, i, True, p.load, p.service, p.earliest, p.latest, instance.max_ride),
            Stop(n + i, i, False, d.load, d.service, d.earliest, d.latest),
        ))  # fmt: skip
    return [vehicle] * instance.vehicles, pairs


def insertion_routes(
    instance: Instance,
    tries: int = 40,
    seed: int = 1,
    enough: int = 8,
    seconds: float = 60.0,
    *,
    plain_first: bool = True,
) -> list[list[int]]:
    """Routes (node ids, depot left out) made by inserting requests one by one, most urgent
    first, each at its cheapest feasible place; then again in orders shaken by up to an hour
    of (seeded) noise, up to ``tries`` times or until ``enough`` tries placed every request.
    The routes of the try that placed the most requests, the shortest among those: OR-Tools
    then places the rest, if it can. Tries stop after ``seconds`` (one at least)."""
    vehicles, pairs = as_vehicles_and_stops(instance)
    deadline = time.monotonic() + seconds

    def urgency(pair: tuple[Stop, Stop]) -> float:
        p, d = pair
        return min(p.latest, d.latest - p.service - instance.distance(p.place, d.place))

    rng = random.Random(seed)
    best: list[list[Stop]] = []
    best_key = (1, 0.0)
    complete = 0
    for attempt in range(tries):
        shake = attempt or not plain_first
        noise = {p.request: rng.uniform(-60, 60) if shake else 0.0 for p, _ in pairs}
        order = sorted(pairs, key=lambda pair: urgency(pair) + noise[pair[0].request])
        routes: list[list[Stop]] = [[] for _ in vehicles]
        placed = 0
        for pickup, drop in order:
            found = cheapest_insertion(vehicles, routes, pickup, drop, instance.distance)
            if found is None:
                continue
            placed += 1
            routes[found.vehicle].insert(found.pickup_at, pickup)
            routes[found.vehicle].insert(found.drop_at, drop)
        length = sum(
            route_cost(v, r, instance.distance) for v, r in zip(vehicles, routes, strict=True)
        )
        key = (-placed, length)
        if not best or key < best_key:
            best, best_key = routes, key
        complete += placed == len(pairs)
        if complete >= enough or time.monotonic() > deadline:
            break
    return [[s.place for s in route] for route in best]


#: How :func:`solve` shares its time: OR-Tools' guided local search improves the insertion
#: start fast, then settles (:data:`FIRST_SHARE` of the time, :data:`FIRST_SECONDS` at most);
#: then rounds of the large-neighbourhood search (:mod:`.lns`, :data:`LNS_SHARE` each) that
#: each end with OR-Tools polishing the best routes found (:data:`POLISH_SHARE`): its moves
#: find what the removals and reinsertions miss.
FIRST_SHARE, FIRST_SECONDS = 0.15, 4.0
LNS_SHARE, POLISH_SHARE = 0.12, 0.08
MARGIN = 0.1  # seconds kept back from OR-Tools' last limit


def solve(
    instance: Instance,
    seconds: float = 10.0,
    initial: list[list[int]] | None = None,
    *,
    target: float | None = None,
    seed: int = 1,
) -> Solution:
    """The shortest set of routes found in ``seconds`` (wall clock): OR-Tools' guided local
    search from ``initial`` routes (node ids without the depot) alone, or, without them, from a
    cheapest-insertion start for a short while, then rounds of the large-neighbourhood search
    of :mod:`.lns`, each polished by OR-Tools, until the time is up. With ``target``, it stops
    as soon as it has routes no longer than that. ``seed`` fixes every random choice (what
    each search reaches in the time still depends on the machine's speed)."""
    if initial is not None:
        return _search(instance, seconds, initial, target)
    from .lns import Search

    began = time.monotonic()
    deadline = began + seconds

    def left() -> float:
        return deadline - time.monotonic()

    start = insertion_routes(instance, seconds=min(1.0, seconds * 0.05), seed=seed)
    ortools = _searcher(instance, target)
    best = ortools(start, min(FIRST_SECONDS, max(0.1, left() * FIRST_SHARE)))
    if best.status != "feasible":
        # the search could not place every request yet: give OR-Tools the rest of the time
        if left() > 0.2:
            again = ortools(start, left())
            if again.length < best.length:
                best = again
        return best
    search = Search(instance, seed)
    span = (time.monotonic(), deadline)
    rounds = 0
    polish = POLISH_SHARE * seconds
    last = False
    while not last and left() > 0.1 + MARGIN:
        if target is not None and best.length <= target:
            break
        lns_until = time.monotonic() + LNS_SHARE * seconds
        if lns_until + polish + 0.5 * LNS_SHARE * seconds > deadline:
            # no room for another round after this one: it takes what is left
            last, lns_until = True, max(time.monotonic(), deadline - polish)
        routes, times, _ = search.run(
            [route[1:-1] for route in best.routes],
            [[round(t * SCALE) for t in at] for at in best.times],
            0.0,
            deadline=lns_until,
            target=target,
            cooling_span=span,
        )
        found = Solution(
            route_length(instance, [[0, *r, 0] for r in routes]),
            [[0, *r, 0] for r in routes],
            [[t / SCALE for t in at] for at in times],
        )
        if found.length < best.length:
            best = found
        if left() > 0.1 + MARGIN and not (target is not None and best.length <= target):
            # OR-Tools checks its limit between moves and then reads its answer: a margin
            polished = ortools(
                [route[1:-1] for route in best.routes],
                min(seconds if last else polish, left() - MARGIN),
            )
            if polished.status == "feasible" and polished.length < best.length - 1e-9:
                best = polished
        rounds += 1
    best.extra = {"iterations": search.iterations, "rounds": rounds}
    return best


def _search(
    instance: Instance, seconds: float, initial: list[list[int]], target: float | None
) -> Solution:
    """OR-Tools' guided local search for ``seconds`` from ``initial`` routes."""
    return _searcher(instance, target)(initial, seconds)


def _searcher(
    instance: Instance, target: float | None
) -> Callable[[list[list[int]], float], Solution]:
    """OR-Tools' model of ``instance``, built once: a function that runs its guided local
    search from some routes for some seconds."""
    from ortools.constraint_solver import pywrapcp, routing_enums_pb2

    nodes, n, k = instance.nodes, instance.requests, instance.vehicles
    size = len(nodes)
    manager = pywrapcp.RoutingIndexManager(size, k, 0)
    routing = pywrapcp.RoutingModel(manager)
    cost = [[round(instance.distance(a, b) * SCALE) for b in range(size)] for a in range(size)]
    travel = [
        [_up(nodes[a].service + instance.distance(a, b)) for b in range(size)] for a in range(size)
    ]

    # matrices, not Python callbacks: the search evaluates arcs millions of times in C++
    routing.SetArcCostEvaluatorOfAllVehicles(routing.RegisterTransitMatrix(cost))
    horizon = _up(max(node.latest for node in nodes) + instance.max_duration)
    routing.AddDimension(routing.RegisterTransitMatrix(travel), horizon, horizon, False, "time")
    timing = routing.GetDimensionOrDie("time")
    routing.AddDimensionWithVehicleCapacity(
        routing.RegisterUnaryTransitVector([node.load for node in nodes]),
        0,
        [instance.capacity] * k,
        True,
        "load",
    )
    solver = routing.solver()
    for node in nodes[1:]:
        index = manager.NodeToIndex(node.id)
        timing.CumulVar(index).SetRange(round(node.earliest * SCALE), int(node.latest * SCALE))
    depot = nodes[0]
    for v in range(k):
        timing.CumulVar(routing.Start(v)).SetRange(
            round(depot.earliest * SCALE), int(depot.latest * SCALE)
        )
        timing.CumulVar(routing.End(v)).SetRange(
            round(instance.end_earliest * SCALE),
            min(int(min(instance.end_latest, 1e9) * SCALE), horizon),
        )
        timing.SetSpanUpperBoundForVehicle(int(instance.max_duration * SCALE), v)
    for i in range(1, n + 1):
        pick, drop = manager.NodeToIndex(i), manager.NodeToIndex(n + i)
        routing.AddPickupAndDelivery(pick, drop)
        routing.AddDisjunction([pick, drop], UNSERVED_PENALTY, 2)
        solver.Add(routing.VehicleVar(pick) == routing.VehicleVar(drop))
        solver.Add(timing.CumulVar(pick) <= timing.CumulVar(drop))
        ride = int(instance.max_ride * SCALE) + round(nodes[i].service * SCALE)
        solver.Add(timing.CumulVar(drop) - timing.CumulVar(pick) <= ride)
    for v in range(k):
        routing.AddVariableMinimizedByFinalizer(timing.CumulVar(routing.End(v)))
        routing.AddVariableMaximizedByFinalizer(timing.CumulVar(routing.Start(v)))
    params = pywrapcp.DefaultRoutingSearchParameters()
    params.first_solution_strategy = (
        routing_enums_pb2.FirstSolutionStrategy.PARALLEL_CHEAPEST_INSERTION
    )
    params.local_search_metaheuristic = (
        routing_enums_pb2.LocalSearchMetaheuristic.GUIDED_LOCAL_SEARCH
    )
    if target is not None:
        # the search's cost is rounded per arc: stop only when even its worst rounding fits
        limit = int(target * SCALE) - size // 2

        def stop_at_target() -> None:
            if routing.CostVar().Value() <= limit:
                solver.FinishCurrentSearch()

        routing.AddAtSolutionCallback(stop_at_target)
    closed = False

    def search(initial: list[list[int]], seconds: float) -> Solution:
        nonlocal closed
        assignment = None
        params.time_limit.FromMilliseconds(max(int(seconds * 1000), 100))
        if initial:
            if not closed:
                routing.CloseModelWithParameters(params)
                closed = True
            start = routing.ReadAssignmentFromRoutes(
                [[manager.NodeToIndex(i) for i in r] for r in initial] + [[]] * (k - len(initial)),
                True,  # requests the insertion could not place start unserved
            )
            if start is not None:
                assignment = routing.SolveFromAssignmentWithParameters(start, params)
        if assignment is None:
            assignment = routing.SolveWithParameters(params)
            closed = True
        if assignment is None:
            return Solution(math.inf, [], [], status="no_solution")
        return _read(assignment)

    def _read(assignment: Any) -> Solution:
        unserved = [
            i
            for i in range(1, n + 1)
            if assignment.Value(routing.NextVar(manager.NodeToIndex(i))) == manager.NodeToIndex(i)
        ]
        routes: list[list[int]] = []
        times: list[list[float]] = []
        for v in range(k):
            index = routing.Start(v)
            route, at = [], []
            while True:
                route.append(manager.IndexToNode(index))
                at.append(assignment.Value(timing.CumulVar(index)) / SCALE)
                if routing.IsEnd(index):
                    break
                index = assignment.Value(routing.NextVar(index))
            routes.append(route)
            times.append(at)
        if unserved:
            return Solution(
                math.inf, routes, times, status="no_solution", extra={"unserved": unserved}
            )
        return Solution(route_length(instance, routes), routes, times)

    return search


def violations(instance: Instance, solution: Solution) -> list[str]:
    """What ``solution`` breaks (for ``machi bench bus``; the tests use their own checker)."""
    nodes, n, found = instance.nodes, instance.requests, []
    where: dict[int, tuple[int, int]] = {}
    for v, (route, at) in enumerate(zip(solution.routes, solution.times, strict=True)):
        load = 0
        for pos, node in enumerate(route[1:-1], 1):
            where[node] = (v, pos)
            load += nodes[node].load
            if load > instance.capacity:
                found.append(f"route {v}: over capacity")
            if not nodes[node].earliest - 1e-6 <= at[pos] <= nodes[node].latest + 1e-6:
                found.append(f"node {node}: outside its window")
        for pos in range(1, len(route)):
            a, b = route[pos - 1], route[pos]
            if at[pos] + 1e-6 < at[pos - 1] + nodes[a].service + instance.distance(a, b):
                found.append(f"route {v}: node {b} too early")
        if at[-1] - at[0] > instance.max_duration + 1e-6:
            found.append(f"route {v}: too long")
    for i in range(1, n + 1):
        if i not in where or n + i not in where:
            found.append(f"request {i}: not served")
            continue
        (vp, pp), (vd, pd) = where[i], where[n + i]
        if vp != vd or pp > pd:
            found.append(f"request {i}: drop-off before pickup or on another vehicle")
        elif solution.times[vd][pd] - solution.times[vp][pp] - nodes[i].service > (
            instance.max_ride + 1e-6
        ):
            found.append(f"request {i}: ride too long")
    return found
