"""The bus verbs: register, book (answered at once by insertion into the live plan), cancel,
the driver's taps (which teach travel times), re-optimisation, settings. Each one transaction;
a refusal raises :class:`Refused` with a key the routes turn into a message. No Litestar here."""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from . import live, rules
from .optimise import propose
from .planner import Ride
from .tables import (
    BusRequest,
    BusRider,
    BusRoute,
    BusSettings,
    BusStop,
    BusTravel,
    BusVehicle,
)

log = logging.getLogger("machi.bus")
#: Other times offered when the wished one cannot be served (minutes from the wish).
ALTERNATIVE_SHIFTS = (15, 30, -15, 45, 60, -30, 90)
MAX_ALTERNATIVES = 3
#: In-process guard: one plan change at a time per worker (the database serialises workers).
_PLAN_LOCK = asyncio.Lock()


class Refused(Exception):
    """An action refused; ``reason`` is a key of :data:`.text.REFUSALS`, ``values`` fill it."""

    def __init__(self, reason: str, **values: Any) -> None:
        self.reason = reason
        self.values = values
        super().__init__(reason)


@dataclass
class Wish:
    """What a rider asks for: from, to, when, how many."""

    pickup: int
    drop: int
    day: dt.date
    minute: float
    riders: int = 1
    wheelchair: bool = False


@dataclass
class Answer:
    """The answer to a booking: the request made, or other times that would work."""

    request: dict[str, Any] | None = None
    alternatives: list[float] = field(default_factory=list)


# --- riders ---------------------------------------------------------------------------------
async def rider_of(subject: str) -> dict[str, Any] | None:
    return await BusRider.select().where(BusRider.subject == subject).first()


async def register(
    subject: str, *, companions: int, wheelchair: bool, locale: str = "ja"
) -> tuple[dict[str, Any], bool]:
    """Make (or update) the resident's rider record; whether it is new."""
    companions = max(0, min(int(companions), 9))
    found = await rider_of(subject)
    if found:
        values = {BusRider.companions: companions, BusRider.wheelchair: wheelchair,
                  BusRider.locale: locale}  # fmt: skip
        await BusRider.update(values).where(BusRider.id == found["id"])
    else:
        await BusRider.insert(BusRider(subject=subject, companions=companions,
                                       wheelchair=wheelchair, channel="app", locale=locale,
                                       created=rules.now()))  # fmt: skip
    row = await rider_of(subject)
    assert row is not None
    return row, found is None


async def phone_rider(name: str, phone: str, *, companions: int, wheelchair: bool) -> int:
    """A rider without the app, booked by the operator: a name to call them by and a number to
    call back, nothing more (the same phone number finds the same record)."""
    name, digits = name.strip()[:60], "".join(c for c in phone if c.isdigit())
    if not name:
        raise Refused("bad_name")
    if not 9 <= len(digits) <= 15:
        raise Refused("bad_phone")
    found = (
        await BusRider.select()
        .where((BusRider.channel == "phone") & (BusRider.phone == digits))
        .first()
    )
    if found:
        values = {BusRider.name: name, BusRider.wheelchair: wheelchair,
                  BusRider.companions: max(0, min(companions, 9))}  # fmt: skip
        await BusRider.update(values).where(BusRider.id == found["id"])
        return int(found["id"])
    made = await BusRider.insert(
        BusRider(
            name=name,
            phone=digits,
            companions=max(0, min(companions, 9)),
            wheelchair=wheelchair,
            channel="phone",
            created=rules.now(),
        )
    ).returning(BusRider.id)
    return int(made[0]["id"])


# --- booking --------------------------------------------------------------------------------
async def check_wish(wish: Wish, conf: Mapping[str, Any]) -> None:
    """Refuse what cannot be booked whatever the plan: unknown stops, hours, seats."""
    stops = {s["id"]: s for s in await BusStop.select().where(BusStop.active.eq(True))}
    if wish.pickup not in stops or wish.drop not in stops:
        raise Refused("unknown_stop")
    if wish.pickup == wish.drop:
        raise Refused("same_stop")
    if wish.riders < 1:
        raise Refused("bad_riders")
    vehicles = await BusVehicle.select().where(BusVehicle.active.eq(True))
    seats = max((v["seats"] for v in vehicles), default=0)
    if wish.riders > seats:
        raise Refused("too_many_riders", seats=seats)
    if wish.wheelchair and not any(v["wheelchair_places"] > 0 for v in vehicles):
        raise Refused("no_wheelchair")
    today = rules.today()
    if wish.day < today or (wish.day == today and wish.minute < rules.minute_now() - 1):
        raise Refused("past")
    if wish.day > today + dt.timedelta(days=rules.BOOKING_HORIZON_DAYS):
        raise Refused("too_far")
    if not conf["service_start"] <= wish.minute <= conf["service_end"]:
        raise Refused("outside_hours", start=rules.hhmm(conf["service_start"]),
                      end=rules.hhmm(conf["service_end"]))  # fmt: skip


def _ride_for(loaded: live.Loaded, wish: Wish, minute: float, ride_id: int) -> Ride:
    conf, plan = loaded.settings, loaded.plan
    direct = plan.travel(wish.pickup, wish.drop)
    start = max(minute, rules.minute_now()) if wish.day == rules.today() else minute
    return Ride(
        ride_id, wish.pickup, wish.drop, riders=wish.riders, chairs=1 if wish.wheelchair else 0,
        window_start=start, window_end=start + conf["search_window"],
        max_ride=round(direct + conf["max_ride_extra"], 2),
    )  # fmt: skip


def alternatives(loaded: live.Loaded, wish: Wish) -> list[float]:
    """Other times (same day, within hours, not past) at which the ride would fit now."""
    conf, found = loaded.settings, []
    earliest = rules.minute_now() if wish.day == rules.today() else 0.0
    for shift in ALTERNATIVE_SHIFTS:
        minute = wish.minute + shift
        if minute < max(earliest, conf["service_start"]) or minute > conf["service_end"]:
            continue
        if loaded.plan.insert(_ride_for(loaded, wish, minute, -1)) is not None:
            found.append(minute)
        if len(found) == MAX_ALTERNATIVES:
            break
    return sorted(found)


async def book(
    wish: Wish, *, rider: int, channel: str, claims: Mapping[str, Any] | None = None
) -> Answer:
    """Answer a wish at once: insert it where it adds the least distance keeping every promise
    already made; the request made with its promise, or up to three other times."""
    conf = await live.settings()
    await check_wish(wish, conf)
    async with _PLAN_LOCK, live.transaction():
        await live.bump(wish.day)
        loaded = await live.load(wish.day, hour=int(wish.minute // 60), write=True)
        ride = _ride_for(loaded, wish, wish.minute, 0)
        found = loaded.plan.insert(ride)
        if found is None:
            return Answer(alternatives=alternatives(loaded, wish))
        bus, route, times = found
        at = dict(zip(route, times[1:-1], strict=False))
        pickup_at, drop_at = at[(0, True)], at[(0, False)]
        # the promise: a window around the planned pickup, never before the wish
        start = max(ride.window_start, pickup_at - conf["pickup_window"] / 2)
        end = start + conf["pickup_window"]
        senior = channel == "app" and rules.is_senior(claims or {}, conf["senior_bands"])
        made = await BusRequest.insert(BusRequest(
            number=f"B{wish.day:%m%d}-{secrets.token_hex(3).upper()}", rider=rider,
            channel=channel, day=wish.day, pickup_stop=wish.pickup, drop_stop=wish.drop,
            riders=wish.riders, wheelchair=wish.wheelchair, wanted=wish.minute,
            window_start=round(start, 2), window_end=round(end, 2), max_ride=ride.max_ride,
            planned_pickup=round(pickup_at, 2), planned_drop=round(drop_at, 2), vehicle=bus.id,
            fare=rules.fare_for(conf, wish.riders, senior), senior=senior,
            payment="unpaid" if channel == "app" else "on_board", created=rules.now(),
        )).returning(BusRequest.id)  # fmt: skip
        new_id = int(made[0]["id"])
        ride.id, ride.window_start, ride.window_end = new_id, start, end
        loaded.plan.rides[new_id] = ride
        bus.route = [(new_id if r == 0 else r, p) for r, p in route]
        await live.store(loaded, {bus.id})
    row = await BusRequest.select().where(BusRequest.id == new_id).first()
    return Answer(request=row)


async def cancel(number: str, *, by_rider: int | None) -> dict[str, Any]:
    """Cancel a booked ride (not once on board); ``by_rider`` None means the operator."""
    row = await BusRequest.select().where(BusRequest.number == number).first()
    if row is None or (by_rider is not None and row["rider"] != by_rider):
        raise Refused("unknown_ride")
    if row["status"] != "booked":
        raise Refused("not_cancellable")
    async with _PLAN_LOCK, live.transaction():
        await live.bump(row["day"])
        done = (
            await BusRequest.update({BusRequest.status: "cancelled"})
            .where((BusRequest.id == row["id"]) & (BusRequest.status == "booked"))
            .returning(BusRequest.id)
        )
        if not done:
            raise Refused("not_cancellable")
        loaded = await live.load(row["day"], write=True)
        changed = set()
        for bus in loaded.plan.buses:  # the cancelled ride is no longer loaded: drop its stops
            if any(r == row["id"] for r, _ in bus.route) or bus.id == row["vehicle"]:
                bus.route = [(r, p) for r, p in bus.route if r != row["id"]]
                changed.add(bus.id)
        await live.store(loaded, changed)
    found = await BusRequest.select().where(BusRequest.id == row["id"]).first()
    assert found is not None
    return found


async def set_payment(request_id: int, state: str, refunded: int | None = None) -> None:
    values: dict[Any, Any] = {BusRequest.payment: state}
    if refunded is not None:
        values[BusRequest.refunded] = refunded
    await BusRequest.update(values).where(BusRequest.id == request_id)


# --- the driver -----------------------------------------------------------------------------
@dataclass
class Tap:
    request: dict[str, Any]
    what: str
    next_up: list[dict[str, Any]]  # requests whose pickup is now the bus's next stop


async def tap(vehicle: int, number: str, what: str) -> Tap:
    """The driver's tap: ``picked_up``, ``dropped_off`` or ``no_show`` for a rider in the
    vehicle's remaining route. The leg just driven teaches the travel-time matrix."""
    if what not in ("picked_up", "dropped_off", "no_show"):
        raise Refused("not_next")
    day = rules.today()
    row = await BusRequest.select().where(BusRequest.number == number).first()
    if row is None or row["day"] != day:
        raise Refused("not_next")
    pickup = what in ("picked_up", "no_show")
    if row["status"] != ("booked" if pickup else "on_board"):
        raise Refused("not_next")  # a drop-off before the pickup, a pickup twice
    async with _PLAN_LOCK, live.transaction():
        await live.bump(day)
        loaded = await live.load(day, write=True)
        bus = next((b for b in loaded.plan.buses if b.id == vehicle), None)
        step = (row["id"], pickup)
        if bus is None or step not in bus.route:
            raise Refused("not_next")
        now = rules.minute_now()
        stop = row["pickup_stop"] if pickup else row["drop_stop"]
        route_row = loaded.routes[vehicle]
        await _learn(loaded, route_row, stop, now)
        # what was done moves to the done part of the route, in the order it was done
        steps = live.steps_of(route_row)
        done = [*steps[: route_row["done"]], {"request": row["id"], "pickup": pickup}]
        bus.route.remove(step)
        if what == "no_show":
            bus.route = [(r, p) for r, p in bus.route if r != row["id"]]
            values: dict[Any, Any] = {BusRequest.status: "no_show"}
        elif pickup:
            values = {BusRequest.status: "on_board", BusRequest.picked_at: round(now, 2)}
            loaded.plan.rides[row["id"]].picked_at = now
        else:
            values = {BusRequest.status: "done", BusRequest.dropped_at: round(now, 2)}
        await BusRequest.update(values).where(BusRequest.id == row["id"])
        route_row.update(stops=done, done=len(done), last_stop=stop, last_time=now)
        await BusRoute.update({
            BusRoute.stops: done, BusRoute.done: len(done), BusRoute.last_stop: stop,
            BusRoute.last_time: round(now, 2),
        }).where(BusRoute.id == route_row["id"])  # fmt: skip
        bus.at, bus.ready, bus.on_road = stop, now + loaded.plan.dwell, True
        if what == "dropped_off":
            del loaded.plan.rides[row["id"]]
        elif what == "no_show":
            loaded.plan.rides.pop(row["id"], None)
        await live.store(loaded, {vehicle})
        next_up = []
        if bus.route and bus.route[0][1]:
            first = bus.route[0][0]
            place = loaded.plan.rides[first].pickup
            next_up = [loaded.requests[r] for r, p in bus.route if p
                       and loaded.plan.rides[r].pickup == place][:1]  # fmt: skip
    found = await BusRequest.select().where(BusRequest.id == row["id"]).first()
    assert found is not None
    return Tap(found, what, next_up)


async def _learn(loaded: live.Loaded, route_row: dict[str, Any], stop: int, now: float) -> None:
    """Fold the leg from the last stop to this one into the travel time of this hour."""
    last, since = route_row["last_stop"], route_row["last_time"]
    if last is None or since is None or last == stop:
        return
    observed = now - since - loaded.plan.dwell
    if not 0 < observed < 180:  # a break, or a clock gone wrong: not a drive
        return
    hour = int(since // 60)
    minutes = loaded.travel.learn(last, stop, hour, observed)
    existing = (
        await BusTravel.select(BusTravel.id, BusTravel.samples)
        .where(
            (BusTravel.from_stop == last) & (BusTravel.to_stop == stop) & (BusTravel.hour == hour)
        )
        .first()
    )
    if existing:
        await BusTravel.update({BusTravel.minutes: minutes,
                                BusTravel.samples: existing["samples"] + 1}).where(
            BusTravel.id == existing["id"])  # fmt: skip
    else:
        await BusTravel.insert(BusTravel(from_stop=last, to_stop=stop, hour=hour,
                                         minutes=minutes, samples=1))  # fmt: skip


# --- background re-optimisation -------------------------------------------------------------
async def reoptimise(day: dt.date, seconds: float = 2.0) -> bool:
    """Improve the day's plan with OR-Tools off the event loop; adopted only if it keeps every
    promise, is shorter, and nobody changed the plan meanwhile. Whether it was adopted."""
    seen = await live.version(day)
    loaded = await live.load(day)
    if not any(b.route for b in loaded.plan.buses):
        return False
    proposal = await asyncio.to_thread(propose, loaded.plan.copy(), seconds)
    if proposal is None or not loaded.plan.adopt(proposal):
        return False
    async with _PLAN_LOCK, live.transaction():
        if await live.bump(day, expected=seen) is None:
            return False  # booked, cancelled or tapped meanwhile: try again next time
        fresh = await live.load(day, write=True)
        if not fresh.plan.adopt(proposal):
            return False
        await live.store(fresh)
    log.info("bus: adopted a shorter plan for %s", day)
    return True


# --- operator settings ----------------------------------------------------------------------
SETTING_LIMITS = {
    "service_start": (0, 1439), "service_end": (1, 1440), "fare": (0, 10000),
    "senior_fare": (0, 10000), "pickup_window": (5, 60), "search_window": (5, 120),
    "max_ride_extra": (5, 120), "service_radius": (50, 5000), "free_cancel_minutes": (0, 1440),
}  # fmt: skip


async def save_settings(values: Mapping[str, Any]) -> None:
    conf = await live.settings()
    update: dict[Any, Any] = {}
    for key, (low, high) in SETTING_LIMITS.items():
        if key not in values:
            continue
        try:
            number = int(values[key])
        except (TypeError, ValueError):
            raise Refused("bad_settings") from None
        if not low <= number <= high:
            raise Refused("bad_settings")
        update[getattr(BusSettings, key)] = number
    start = int(values.get("service_start", conf["service_start"]))
    end = int(values.get("service_end", conf["service_end"]))
    if start >= end:
        raise Refused("bad_settings")
    if "senior_bands" in values:
        update[BusSettings.senior_bands] = str(values["senior_bands"]).strip()[:100]
    await BusSettings.update(update).where(BusSettings.id == conf["id"])


async def add_stop(name: str, latitude: float, longitude: float) -> int:
    name = name.strip()[:100]
    if not name or not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
        raise Refused("bad_settings")
    made = await BusStop.insert(BusStop(name=name, latitude=latitude, longitude=longitude)
                                ).returning(BusStop.id)  # fmt: skip
    return int(made[0]["id"])


async def set_stop_active(stop_id: int, active: bool) -> None:
    await BusStop.update({BusStop.active: active}).where(BusStop.id == stop_id)


async def add_vehicle(name: str, seats: int, wheelchair_places: int, depot: int) -> int:
    name = name.strip()[:60]
    if not name or not 1 <= seats <= 60 or not 0 <= wheelchair_places <= 4:
        raise Refused("bad_settings")
    if not await BusStop.exists().where(BusStop.id == depot):
        raise Refused("unknown_stop")
    made = await BusVehicle.insert(BusVehicle(name=name, seats=seats, depot=depot,
                                              wheelchair_places=wheelchair_places)
                                   ).returning(BusVehicle.id)  # fmt: skip
    return int(made[0]["id"])
