"""Reads for the pages: stops, a rider's rides, a ride's progress, the board, the figures."""

from __future__ import annotations

import datetime as dt
from typing import Any

from . import live, rules
from .tables import BusRequest, BusRider, BusRoute, BusStop, BusVehicle

RIDE_COLUMNS = (
    *BusRequest.all_columns(),
    BusRequest.pickup_stop.name.as_alias("pickup_name"),
    BusRequest.drop_stop.name.as_alias("drop_name"),
    BusRequest.vehicle.name.as_alias("vehicle_name"),
    BusRequest.rider.name.as_alias("rider_name"),
    BusRequest.rider.phone.as_alias("rider_phone"),
    BusRequest.rider.subject.as_alias("rider_subject"),
    BusRequest.rider.locale.as_alias("rider_locale"),
)


async def stops(active_only: bool = True) -> list[dict[str, Any]]:
    query = BusStop.select().order_by(BusStop.name)
    if active_only:
        query = query.where(BusStop.active.eq(True))
    return await query


async def vehicles() -> list[dict[str, Any]]:
    return await BusVehicle.select(
        *BusVehicle.all_columns(), BusVehicle.depot.name.as_alias("depot_name")
    ).order_by(BusVehicle.id)


async def ride(number: str) -> dict[str, Any] | None:
    return await BusRequest.select(*RIDE_COLUMNS).where(BusRequest.number == number).first()


async def rides_of(rider: int) -> list[dict[str, Any]]:
    since = rules.today() - dt.timedelta(days=7)
    return await (
        BusRequest.select(*RIDE_COLUMNS)
        .where((BusRequest.rider == rider) & (BusRequest.day >= since))
        .order_by(BusRequest.day, ascending=False)
        .order_by(BusRequest.window_start)
    )


async def rides_on(day: dt.date) -> list[dict[str, Any]]:
    return await (
        BusRequest.select(*RIDE_COLUMNS)
        .where(BusRequest.day == day)
        .order_by(BusRequest.window_start)
    )


async def progress(row: dict[str, Any]) -> dict[str, Any]:
    """How far the bus is from this rider: stops to go before their pickup, where it was last."""
    if row["vehicle"] is None or row["status"] not in live.ACTIVE:
        return {"stops_before": None, "last_stop": None, "on_road": False}
    route = (
        await BusRoute.select()
        .where((BusRoute.vehicle == row["vehicle"]) & (BusRoute.day == row["day"]))
        .first()
    )
    if route is None:
        return {"stops_before": None, "last_stop": None, "on_road": False}
    steps = live.steps_of(route)[route["done"] :]
    ahead = None
    for k, step in enumerate(steps):
        if step["request"] == row["id"] and step["pickup"]:
            ahead = k
            break
    last = None
    if route["last_stop"] is not None:
        found = await BusStop.select(BusStop.name).where(BusStop.id == route["last_stop"]).first()
        last = found["name"] if found else None
    return {"stops_before": ahead, "last_stop": last, "on_road": route["last_stop"] is not None}


async def board(day: dt.date) -> list[dict[str, Any]]:
    """Each vehicle today: where it was last, its next stops, riders on board."""
    rides = {r["id"]: r for r in await rides_on(day)}
    routes = {r["vehicle"]: r for r in await BusRoute.select().where(BusRoute.day == day)}
    names = {s["id"]: s["name"] for s in await BusStop.select(BusStop.id, BusStop.name)}
    found = []
    for vehicle in await vehicles():
        route = routes.get(vehicle["id"])
        steps = live.steps_of(route)[route["done"] :] if route else []
        upcoming = []
        for step in steps:
            r = rides.get(step["request"])
            if r is None or r["status"] not in live.ACTIVE:
                continue
            pickup = step["pickup"]
            at = r["planned_pickup"] if pickup else r["planned_drop"]
            stop = r["pickup_name"] if pickup else r["drop_name"]
            upcoming.append({"ride": r, "pickup": pickup, "stop": stop, "at": at})
        aboard = sum(
            r["riders"] for r in rides.values() if r["vehicle"] == vehicle["id"]
            and r["status"] == "on_board"
        )  # fmt: skip
        last = route["last_stop"] if route else None
        found.append({**vehicle, "upcoming": upcoming, "aboard": aboard,
                      "last_stop": names.get(last) if last else None})  # fmt: skip
    return found


async def figures(days: int = 14) -> dict[str, Any]:
    """The seeds' KPIs: members, riders carried, and the share of bookings not by phone,
    with bookings per day (app / phone) for the chart."""
    members = await BusRider.count()
    app_members = await BusRider.count().where(BusRider.channel == "app")
    since = rules.today() - dt.timedelta(days=days - 1)
    rows = await BusRequest.select(
        BusRequest.day, BusRequest.channel, BusRequest.riders, BusRequest.status
    ).where(BusRequest.day >= since)
    carried = await BusRequest.select(BusRequest.riders).where(BusRequest.status == "done")
    all_bookings = await BusRequest.count()
    online = await BusRequest.count().where(BusRequest.channel == "app")
    series = []
    for k in range(days):
        day = since + dt.timedelta(days=k)
        app = sum(1 for r in rows if r["day"] == day and r["channel"] == "app")
        phone = sum(1 for r in rows if r["day"] == day and r["channel"] == "phone")
        series.append({"day": day, "app": app, "phone": phone})
    top = max((s["app"] + s["phone"] for s in series), default=0) or 1
    for s in series:
        s["app_h"] = round(100 * s["app"] / top)
        s["phone_h"] = round(100 * s["phone"] / top)
    return {
        "members": members,
        "app_members": app_members,
        "riders": sum(r["riders"] for r in carried),
        "bookings": all_bookings,
        "online": online,
        "online_percent": round(100 * online / all_bookings) if all_bookings else 0,
        "series": series,
    }
