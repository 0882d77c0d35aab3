"""The live plan of one service day, in memory: who rides which bus in which order, a new
request answered by cheapest feasible insertion, a re-optimised plan adopted only when it keeps
every promise, and travel times learned from what drivers actually took.

Pure Python (no database): :mod:`.actions` loads a :class:`Plan` from the tables, asks it, and
stores what changed. Times are minutes after midnight of the plan's day.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace

from .schedule import Insertion, Stop, Vehicle, cheapest_insertion, route_cost, schedule

#: Weight of one new observation in the learned travel time (exponential smoothing).
SMOOTHING = 0.3
#: Roads are not straight: the first guess is the straight line times this.
DETOUR = 1.3


@dataclass
class Ride:
    """A booked ride and its promise: a pickup in ``[window_start, window_end]`` and at most
    ``max_ride`` minutes on board; ``picked_at`` once it is on board."""

    id: int
    pickup: int  # stop ids
    drop: int
    riders: int = 1
    chairs: int = 0
    window_start: float = 0.0
    window_end: float = math.inf
    max_ride: float = math.inf
    picked_at: float | None = None


@dataclass
class Bus:
    """A vehicle's state: where it is (or its depot before it sets out) and what is left to do:
    ``route`` is ``[(ride id, is_pickup), …]``."""

    id: int
    depot: int
    seats: int
    chairs: int = 0
    at: int | None = None  # the stop it was last at (None: still at the depot)
    ready: float = 0.0  # the earliest it can leave ``at``
    on_road: bool = False
    route: list[tuple[int, bool]] = field(default_factory=list)


@dataclass
class Plan:
    buses: list[Bus]
    rides: dict[int, Ride]
    travel: Callable[[int, int], float]
    dwell: float = 1.0
    day_end: float = 1440.0

    def vehicle(self, bus: Bus) -> Vehicle:
        aboard = [self.rides[r] for r, pickup in bus.route if not pickup and self._aboard(r, bus)]
        return Vehicle(
            start=bus.at if bus.at is not None else bus.depot, end=bus.depot,
            capacity=bus.seats, earliest=bus.ready, latest_end=self.day_end,
            on_board=sum(r.riders for r in aboard), chairs=bus.chairs,
            chairs_on_board=sum(r.chairs for r in aboard), start_fixed=bus.on_road,
        )  # fmt: skip

    def _aboard(self, ride_id: int, bus: Bus) -> bool:
        return (ride_id, True) not in bus.route

    def stop(self, ride: Ride, pickup: bool) -> Stop:
        if pickup:
            return Stop(ride.pickup, ride.id, True, ride.riders, self.dwell, ride.window_start,
                        ride.window_end, ride.max_ride, ride.chairs)  # fmt: skip
        latest = math.inf
        if ride.picked_at is not None:  # on board: the ride-time promise is a deadline now
            latest = ride.picked_at + self.dwell + ride.max_ride
        return Stop(ride.drop, ride.id, False, -ride.riders, self.dwell, 0.0, latest, math.inf,
                    -ride.chairs)  # fmt: skip

    def stops(self, route: list[tuple[int, bool]]) -> list[Stop]:
        return [self.stop(self.rides[r], pickup) for r, pickup in route]

    def times(self, bus: Bus, route: list[tuple[int, bool]] | None = None) -> list[float] | None:
        """Service start times of ``[start, *route, depot]``, or None if a promise breaks."""
        return schedule(self.vehicle(bus), self.stops(bus.route if route is None else route),
                        self.travel)  # fmt: skip

    def cost(self, routes: Mapping[int, list[tuple[int, bool]]]) -> float:
        return sum(
            route_cost(self.vehicle(bus), self.stops(routes[bus.id]), self.travel)
            for bus in self.buses
        )

    def insert(self, ride: Ride) -> tuple[Bus, list[tuple[int, bool]], list[float]] | None:
        """Where ``ride`` fits at least extra distance keeping every promise already made:
        the bus, its new route and times; None when it fits nowhere. Changes nothing."""
        self.rides[ride.id] = ride
        try:
            found: Insertion | None = cheapest_insertion(
                [self.vehicle(b) for b in self.buses], [self.stops(b.route) for b in self.buses],
                self.stop(ride, True), self.stop(ride, False), self.travel,
            )  # fmt: skip
        finally:
            del self.rides[ride.id]
        if found is None:
            return None
        bus = self.buses[found.vehicle]
        route = list(bus.route)
        route.insert(found.pickup_at, (ride.id, True))
        route.insert(found.drop_at, (ride.id, False))
        return bus, route, found.times

    def keeps_promises(self, routes: Mapping[int, list[tuple[int, bool]]]) -> bool:
        """Whether ``routes`` (bus id -> route) serve exactly the rides of this plan, riders on
        board stay on their bus, and every pickup window and ride time still holds."""
        placed: list[tuple[int, bool]] = []
        for bus in self.buses:
            route = routes.get(bus.id, [])
            aboard = {r for r, pickup in bus.route if not pickup and self._aboard(r, bus)}
            if aboard != {r for r, p in route if not p and (r, True) not in route}:
                return False
            if self.times(bus, route) is None:
                return False
            placed.extend(route)
        expected = [step for bus in self.buses for step in bus.route]
        return sorted(placed) == sorted(expected) and len(set(placed)) == len(placed)

    def adopt(self, routes: Mapping[int, list[tuple[int, bool]]]) -> bool:
        """Take ``routes`` if they keep every promise and are shorter; whether it did."""
        current = {bus.id: bus.route for bus in self.buses}
        if not self.keeps_promises(routes) or self.cost(routes) >= self.cost(current) - 1e-9:
            return False
        for bus in self.buses:
            bus.route = list(routes[bus.id])
        return True

    def copy(self) -> Plan:
        return replace(self, buses=[replace(b, route=list(b.route)) for b in self.buses],
                       rides=dict(self.rides))  # fmt: skip


def metres(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Great-circle distance between two (latitude, longitude) points."""
    lat1, lon1, lat2, lon2 = map(math.radians, (*a, *b))
    h = (
        math.sin((lat2 - lat1) / 2) ** 2
        + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    )
    return 2 * 6_371_000 * math.asin(math.sqrt(h))


@dataclass
class TravelTimes:
    """Minutes between stops in each hour of the day: the straight line at ``speed_kmh``
    (times :data:`DETOUR`) until drivers' actual times teach a better figure."""

    where: dict[int, tuple[float, float]]
    speed_kmh: float = 30.0
    learned: dict[tuple[int, int, int], float] = field(default_factory=dict)

    def guess(self, a: int, b: int) -> float:
        if a == b:
            return 0.0
        return metres(self.where[a], self.where[b]) * DETOUR / (self.speed_kmh * 1000 / 60)

    def minutes(self, a: int, b: int, hour: int) -> float:
        if a == b:
            return 0.0
        return self.learned.get((a, b, hour % 24), self.guess(a, b))

    def at_hour(self, hour: int) -> Callable[[int, int], float]:
        """The travel function of one hour of the day (what a plan made then uses), memoised:
        a booking asks for the same few hundred pairs thousands of times."""
        known: dict[tuple[int, int], float] = {}

        def travel(a: int, b: int) -> float:
            found = known.get((a, b))
            if found is None:
                found = known[(a, b)] = self.minutes(a, b, hour)
            return found

        return travel

    def learn(self, a: int, b: int, hour: int, observed: float) -> float:
        """Fold one actual drive of ``observed`` minutes into the figure; the new figure."""
        old = self.minutes(a, b, hour)
        new = old + SMOOTHING * (observed - old)
        self.learned[(a, b, hour % 24)] = new
        return new
