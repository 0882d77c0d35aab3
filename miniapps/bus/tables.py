"""The on-demand bus tables (prefixed ``bus_``).

Residents are known by the pairwise id their launch token gives (``BusRider.subject``); a rider
booked by phone has no app account, so the operator keeps a name to call them by and a phone
number to call back (nothing else: no address, no birth date). Times of day are minutes after
midnight, Asia/Tokyo, on the request's ``day``.
"""

from __future__ import annotations

from piccolo.columns import (
    JSON,
    Boolean,
    Date,
    DoublePrecision,
    ForeignKey,
    Integer,
    SmallInt,
    Timestamptz,
    Varchar,
)
from piccolo.table import Table


class BusSettings(Table, tablename="bus_settings"):
    """One row: the service the operator runs."""

    service_start = SmallInt(default=480)  # 08:00
    service_end = SmallInt(default=1080)  # 18:00
    fare = Integer(default=300)  # yen per rider
    senior_fare = Integer(default=100)  # the resident themself, with a senior age band
    senior_bands = Varchar(length=100, default="70s 80s 90s 100s")
    pickup_window = SmallInt(default=10)  # minutes: the window promised to a rider
    search_window = SmallInt(default=20)  # minutes after the wished time the bus may come
    max_ride_extra = SmallInt(default=20)  # a ride takes at most the direct time + this
    service_radius = Integer(default=800)  # metres: a map point farther from every stop is out
    speed_kmh = DoublePrecision(default=30.0)  # the first guess, before drivers teach better
    dwell = DoublePrecision(default=1.0)  # minutes at a stop
    free_cancel_minutes = SmallInt(default=30)  # a full refund until this long before pickup


class BusStop(Table, tablename="bus_stop"):
    """A (virtual) stop: where the bus may pick up or drop off."""

    name = Varchar(length=100)
    latitude = DoublePrecision()
    longitude = DoublePrecision()
    active = Boolean(default=True)


class BusVehicle(Table, tablename="bus_vehicle"):
    name = Varchar(length=60)
    seats = SmallInt(default=8)
    wheelchair_places = SmallInt(default=0)
    depot = ForeignKey(references=BusStop)
    active = Boolean(default=True)


class BusRider(Table, tablename="bus_rider"):
    """A registered rider: a resident of the app (``subject``) or a phone customer."""

    subject = Varchar(length=100, null=True, default=None, unique=True)
    name = Varchar(length=60, default="")  # phone riders only: how the operator greets them
    phone = Varchar(length=20, default="")  # phone riders only: to call back
    companions = SmallInt(default=0)  # usually travels with
    wheelchair = Boolean(default=False)
    channel = Varchar(length=10, default="app")  # app | phone
    locale = Varchar(length=20, default="ja")  # for the notifications sent later
    created = Timestamptz()


class BusRequest(Table, tablename="bus_request"):
    """One booked ride and the promise made for it."""

    number = Varchar(length=20, unique=True)
    rider = ForeignKey(references=BusRider, index=True)
    channel = Varchar(length=10, default="app", index=True)  # app | phone
    day = Date(index=True)
    pickup_stop = ForeignKey(references=BusStop)
    drop_stop = ForeignKey(references=BusStop)
    riders = SmallInt(default=1)
    wheelchair = Boolean(default=False)
    wanted = DoublePrecision()  # the time the rider asked for
    window_start = DoublePrecision()  # the promised pickup window
    window_end = DoublePrecision()
    max_ride = DoublePrecision()  # minutes on board at most (promised too)
    planned_pickup = DoublePrecision()
    planned_drop = DoublePrecision()
    vehicle = ForeignKey(references=BusVehicle, null=True)
    # booked | on_board | done | no_show | cancelled
    status = Varchar(length=12, default="booked", index=True)
    fare = Integer(default=0)
    senior = Boolean(default=False)
    payment = Varchar(length=16, default="unpaid")  # unpaid|wallet_pending|paid|on_board|refunded
    refunded = Integer(default=0)
    picked_at = DoublePrecision(null=True, default=None)
    dropped_at = DoublePrecision(null=True, default=None)
    told_leaving = Boolean(default=False)
    told_close = Boolean(default=False)
    created = Timestamptz()


class BusDay(Table, tablename="bus_day"):
    """One row per service day: every change of that day's plan bumps ``version`` first, which
    serialises changes (a row lock on PostgreSQL, ``BEGIN IMMEDIATE`` on SQLite) and tells the
    background optimiser whether the plan it improved is still the plan."""

    day = Date(unique=True)
    version = Integer(default=0)


class BusRoute(Table, tablename="bus_route"):
    """A vehicle's plan for a day: its stops in order, ``done`` of them served."""

    vehicle = ForeignKey(references=BusVehicle)
    day = Date(index=True)
    stops = JSON(default="[]")  # [{"request": id, "pickup": true}, …]
    done = SmallInt(default=0)
    last_stop = ForeignKey(references=BusStop, null=True)  # where it was last seen
    last_time = DoublePrecision(null=True, default=None)  # and when (minutes)
    version = Integer(default=0)


class BusTravel(Table, tablename="bus_travel"):
    """Learned travel time between two stops in one hour of the day (exponential smoothing of
    what drivers actually took)."""

    from_stop = ForeignKey(references=BusStop)
    to_stop = ForeignKey(references=BusStop)
    hour = SmallInt()
    minutes = DoublePrecision()
    samples = Integer(default=0)
