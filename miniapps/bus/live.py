"""The live plan of a day between the tables and :mod:`.planner`: load it, store it."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import Any

from machi_sdk import write_transaction

from . import rules
from .planner import Bus, Plan, Ride, TravelTimes
from .tables import BusDay, BusRequest, BusRoute, BusSettings, BusStop, BusTravel, BusVehicle

ACTIVE = ("booked", "on_board")
#: After the service ends, buses may take this long to bring the last riders home.
RETURN_MINUTES = 60


def transaction() -> Any:
    """A write transaction; on SQLite ``BEGIN IMMEDIATE`` so racing writers queue, not fail."""
    return write_transaction(BusRequest)


async def settings() -> dict[str, Any]:
    row = await BusSettings.select().first()
    if row is None:
        await BusSettings.insert(BusSettings())
        row = await BusSettings.select().first()
    assert row is not None
    return row


async def bump(day: dt.date, expected: int | None = None) -> int | None:
    """Take the day's plan for a change (inside a transaction): its new version, or ``None``
    when ``expected`` is given and the plan changed since."""
    await BusDay.insert(BusDay(day=day, version=0)).on_conflict(action="DO NOTHING")
    query = BusDay.update({BusDay.version: BusDay.version + 1}).where(BusDay.day == day)
    if expected is not None:
        query = query.where(BusDay.version == expected)
    done = await query.returning(BusDay.version)
    return int(done[0]["version"]) if done else None


async def version(day: dt.date) -> int:
    row = await BusDay.select(BusDay.version).where(BusDay.day == day).first()
    return int(row["version"]) if row else 0


async def travel_times(speed_kmh: float) -> TravelTimes:
    stops = await BusStop.select(BusStop.id, BusStop.latitude, BusStop.longitude)
    learned = await BusTravel.select()
    return TravelTimes(
        {s["id"]: (s["latitude"], s["longitude"]) for s in stops},
        speed_kmh=speed_kmh,
        learned={(r["from_stop"], r["to_stop"], r["hour"]): r["minutes"] for r in learned},
    )


@dataclass
class Loaded:
    """A day's plan with what is needed to store it back."""

    day: dt.date
    plan: Plan
    settings: dict[str, Any]
    travel: TravelTimes
    routes: dict[int, dict[str, Any]]  # bus id -> its BusRoute row
    requests: dict[int, dict[str, Any]]
    hour: int


def steps_of(row: dict[str, Any]) -> list[dict[str, Any]]:
    """A route row's stops (Piccolo gives JSON columns back as text)."""
    value = row["stops"]
    if isinstance(value, str):
        value = json.loads(value or "[]")
    return value if isinstance(value, list) else []


def _ride(row: dict[str, Any]) -> Ride:
    return Ride(
        row["id"], row["pickup_stop"], row["drop_stop"], riders=row["riders"],
        chairs=1 if row["wheelchair"] else 0, window_start=row["window_start"],
        window_end=row["window_end"], max_ride=row["max_ride"], picked_at=row["picked_at"],
    )  # fmt: skip


async def load(day: dt.date, hour: int | None = None, *, write: bool = False) -> Loaded:
    """The plan of ``day`` as it stands (buses where they are, rides still to serve). With
    ``write`` (inside a transaction after :func:`bump`) a bus without a route row gets one."""
    conf = await settings()
    travel = await travel_times(conf["speed_kmh"])
    vehicles = await BusVehicle.select().where(BusVehicle.active.eq(True)).order_by(BusVehicle.id)
    requests = {
        r["id"]: r
        for r in await BusRequest.select().where(
            (BusRequest.day == day) & BusRequest.status.is_in(list(ACTIVE))
        )
    }
    rows = {r["vehicle"]: r for r in await BusRoute.select().where(BusRoute.day == day)}
    today = day == rules.today()
    now = rules.minute_now() if today else 0.0
    if hour is None:
        hour = int(now // 60) if today else conf["service_start"] // 60
    buses: list[Bus] = []
    for vehicle in vehicles:
        row = rows.get(vehicle["id"])
        if row is None and write:
            made = await BusRoute.insert(
                BusRoute(vehicle=vehicle["id"], day=day, stops=[], done=0)
            ).returning(*BusRoute.all_columns())
            row = rows[vehicle["id"]] = made[0]
        elif row is None:
            row = rows[vehicle["id"]] = {"id": None, "stops": [], "done": 0, "last_stop": None,
                                         "last_time": None}  # fmt: skip
        steps = steps_of(row)
        remaining = [
            (s["request"], bool(s["pickup"]))
            for s in steps[row["done"] :]
            if s["request"] in requests
        ]
        on_road = row["last_stop"] is not None
        ready = float(conf["service_start"])
        if on_road:
            ready = max(float(row["last_time"] or 0.0), now)
        elif today:
            ready = max(ready, now)
        buses.append(Bus(
            vehicle["id"], depot=vehicle["depot"], seats=vehicle["seats"],
            chairs=vehicle["wheelchair_places"], at=row["last_stop"], ready=ready,
            on_road=on_road, route=remaining,
        ))  # fmt: skip
    plan = Plan(
        buses, {i: _ride(r) for i, r in requests.items()}, travel.at_hour(hour),
        dwell=conf["dwell"], day_end=conf["service_end"] + RETURN_MINUTES,
    )  # fmt: skip
    return Loaded(day, plan, conf, travel, rows, requests, hour)


def estimate(plan: Plan, bus: Bus) -> list[float]:
    """Times for the bus's route when a promise can no longer be kept (a late bus): as soon as
    possible, waiting for no window but the earliest. What riders are told then."""
    at = bus.at if bus.at is not None else bus.depot
    clock, times = bus.ready, [bus.ready]
    for ride_id, pickup in bus.route:
        ride = plan.rides[ride_id]
        place = ride.pickup if pickup else ride.drop
        clock += plan.travel(at, place)
        if pickup:
            clock = max(clock, ride.window_start)
        times.append(clock)
        clock += plan.dwell
        at = place
    times.append(clock + plan.travel(at, bus.depot))
    return times


async def store(loaded: Loaded, changed: set[int] | None = None) -> None:
    """Write the buses' routes (``changed`` ones, or all) and every rider's planned times."""
    plan = loaded.plan
    for bus in plan.buses:
        if changed is not None and bus.id not in changed:
            continue
        row = loaded.routes[bus.id]
        steps = steps_of(row)
        done = steps[: row["done"]]
        new = [{"request": r, "pickup": p} for r, p in bus.route]
        await BusRoute.update({BusRoute.stops: done + new}).where(BusRoute.id == row["id"])
        row["stops"] = done + new
        times = plan.times(bus) or estimate(plan, bus)
        for (ride_id, pickup), at in zip(bus.route, times[1:-1], strict=False):
            column = BusRequest.planned_pickup if pickup else BusRequest.planned_drop
            values: dict[Any, Any] = {column: round(at, 2)}
            if pickup:
                values[BusRequest.vehicle] = bus.id
            await BusRequest.update(values).where(BusRequest.id == ride_id)
