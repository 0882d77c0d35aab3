"""Background re-optimisation of the live plan with OR-Tools (pickup and delivery with time
windows): the current routes are the first solution, guided local search looks for shorter
ones, and :meth:`.planner.Plan.adopt` takes the result only if it keeps every promise."""

from __future__ import annotations

import math

from .planner import Plan

SCALE = 100


def _up(value: float) -> int:
    return math.ceil(value * SCALE - 1e-9)


def propose(plan: Plan, seconds: float = 2.0) -> dict[int, list[tuple[int, bool]]] | None:
    """Shorter routes for ``plan``'s buses found in ``seconds``, or None. Not checked here:
    give them to :meth:`Plan.adopt`."""
    from ortools.constraint_solver import pywrapcp, routing_enums_pb2

    buses = plan.buses
    if not buses or not any(b.route for b in buses):
        return None
    # nodes: each bus's start and end, then one node per remaining stop
    places: list[int] = []
    steps: list[tuple[int, bool] | None] = []
    starts, ends = [], []
    for bus in buses:
        vehicle = plan.vehicle(bus)
        starts.append(len(places))
        places.append(vehicle.start)
        steps.append(None)
        ends.append(len(places))
        places.append(vehicle.end)
        steps.append(None)
    owner: dict[int, int] = {}
    node_of: dict[tuple[int, bool], int] = {}
    for v, bus in enumerate(buses):
        for step in bus.route:
            node_of[step] = len(places)
            places.append(plan.rides[step[0]].pickup if step[1] else plan.rides[step[0]].drop)
            steps.append(step)
            if not step[1] and (step[0], True) not in bus.route:
                owner[node_of[step]] = v  # on board: stays on this bus
    size = len(places)
    manager = pywrapcp.RoutingIndexManager(size, len(buses), starts, ends)
    routing = pywrapcp.RoutingModel(manager)
    dist = [[round(plan.travel(a, b) * SCALE) for b in places] for a in places]
    service = [0.0 if s is None else plan.dwell for s in steps]
    drive = [[_up(service[i] + plan.travel(places[i], places[j])) for j in range(size)]
             for i in range(size)]  # fmt: skip

    def demand(what: str) -> list[int]:
        found = []
        for step in steps:
            if step is None:
                found.append(0)
                continue
            ride = plan.rides[step[0]]
            amount = ride.riders if what == "seats" else ride.chairs
            found.append(amount if step[1] else -amount)
        return found

    # matrices, not Python callbacks: the search reads arcs millions of times in C++
    routing.SetArcCostEvaluatorOfAllVehicles(routing.RegisterTransitMatrix(dist))
    horizon = _up(plan.day_end + 24 * 60)
    routing.AddDimension(routing.RegisterTransitMatrix(drive), horizon, horizon, False, "time")
    time = routing.GetDimensionOrDie("time")
    for what, capacities in (("seats", [b.seats for b in buses]),
                             ("chairs", [b.chairs for b in buses])):  # fmt: skip
        routing.AddDimensionWithVehicleCapacity(
            routing.RegisterUnaryTransitVector(demand(what)), 0, capacities, False, what
        )
        dim = routing.GetDimensionOrDie(what)
        for v, bus in enumerate(buses):
            vehicle = plan.vehicle(bus)
            start_load = vehicle.on_board if what == "seats" else vehicle.chairs_on_board
            dim.CumulVar(routing.Start(v)).SetValue(start_load)
    solver = routing.solver()
    for v, bus in enumerate(buses):
        vehicle = plan.vehicle(bus)
        earliest = round(vehicle.earliest * SCALE)
        start = time.CumulVar(routing.Start(v))
        start.SetRange(earliest, earliest if vehicle.start_fixed else horizon)
        time.CumulVar(routing.End(v)).SetMax(int(min(vehicle.latest_end * SCALE, horizon)))
    for step, node in node_of.items():
        index = manager.NodeToIndex(node)
        stop = plan.stop(plan.rides[step[0]], step[1])
        time.CumulVar(index).SetRange(
            round(stop.earliest * SCALE), int(min(stop.latest * SCALE, horizon))
        )
        if node in owner:
            routing.SetAllowedVehiclesForIndex([owner[node]], index)
    for (ride_id, pickup), node in node_of.items():
        if not pickup or (ride_id, False) not in node_of:
            continue
        pick, drop = manager.NodeToIndex(node), manager.NodeToIndex(node_of[(ride_id, False)])
        routing.AddPickupAndDelivery(pick, drop)
        solver.Add(routing.VehicleVar(pick) == routing.VehicleVar(drop))
        solver.Add(time.CumulVar(pick) <= time.CumulVar(drop))
        ride = plan.rides[ride_id]
        if math.isfinite(ride.max_ride):
            limit = int(ride.max_ride * SCALE) + round(plan.dwell * SCALE)
            solver.Add(time.CumulVar(drop) - time.CumulVar(pick) <= limit)
    params = pywrapcp.DefaultRoutingSearchParameters()
    params.local_search_metaheuristic = (
        routing_enums_pb2.LocalSearchMetaheuristic.GUIDED_LOCAL_SEARCH
    )
    params.time_limit.FromMilliseconds(max(int(seconds * 1000), 100))
    routing.CloseModelWithParameters(params)
    first = routing.ReadAssignmentFromRoutes(
        [[manager.NodeToIndex(node_of[s]) for s in bus.route] for bus in buses], True
    )
    if first is None:
        return None
    found = routing.SolveFromAssignmentWithParameters(first, params)
    if found is None:
        return None
    routes: dict[int, list[tuple[int, bool]]] = {}
    for v, bus in enumerate(buses):
        index = found.Value(routing.NextVar(routing.Start(v)))
        route: list[tuple[int, bool]] = []
        while not routing.IsEnd(index):
            step = steps[manager.IndexToNode(index)]
            assert step is not None
            route.append(step)
            index = found.Value(routing.NextVar(index))
        routes[bus.id] = route
    return routes
