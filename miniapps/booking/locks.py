"""Smart locks: a one-time PIN that opens a room's door from a booking's start to its end.

:class:`SmartLock` is the interface. :class:`LocalLock` is the embedded default and works on its
own: it keeps each code in the app's database, and a door panel (or the staff page) asks it
whether a PIN opens a lock at a given moment. :class:`RemoteLockAdapter` speaks RemoteLOCK's
access-person API (a guest with a PIN and a validity window in the lock's time zone, given
access to one lock), for a city whose doors have those locks.
"""

from __future__ import annotations

import datetime as dt
import os
import secrets
from dataclasses import dataclass
from typing import Any, Protocol
from zoneinfo import ZoneInfo

import httpx

from .tables import BookingDoorCode

PIN_DIGITS = 6


@dataclass(frozen=True)
class DoorCode:
    pin: str
    starts_at: dt.datetime
    ends_at: dt.datetime
    ref: str = ""  # the lock service's own id for the code ("" for the local lock)


class SmartLock(Protocol):
    """What the booking app asks of a lock service."""

    async def issue(
        self, lock_id: str, name: str, starts_at: dt.datetime, ends_at: dt.datetime, tz: str
    ) -> DoorCode:
        """A new PIN valid on ``lock_id`` from ``starts_at`` to ``ends_at`` (aware times)."""
        ...

    async def revoke(self, lock_id: str, code: DoorCode) -> None:
        """The PIN stops working (a cancelled booking)."""
        ...


def new_pin() -> str:
    return f"{secrets.randbelow(10**PIN_DIGITS):0{PIN_DIGITS}d}"


class LocalLock:
    """The embedded lock: codes live in ``booking_door_code``; :meth:`opens` is the door."""

    async def issue(
        self, lock_id: str, name: str, starts_at: dt.datetime, ends_at: dt.datetime, tz: str
    ) -> DoorCode:
        return DoorCode(new_pin(), starts_at, ends_at)

    async def revoke(self, lock_id: str, code: DoorCode) -> None:
        await BookingDoorCode.update({BookingDoorCode.revoked: True}).where(
            (BookingDoorCode.lock_id == lock_id) & (BookingDoorCode.pin == code.pin)
        )

    async def opens(self, lock_id: str, pin: str, at: dt.datetime) -> bool:
        """Whether ``pin`` opens ``lock_id`` at ``at``: its code, not revoked, in its window."""
        if not (pin.isdigit() and len(pin) == PIN_DIGITS and lock_id):
            return False
        return bool(
            await BookingDoorCode.exists().where(
                (BookingDoorCode.lock_id == lock_id)
                & (BookingDoorCode.pin == pin)
                & (BookingDoorCode.revoked.eq(False))
                & (BookingDoorCode.starts_at <= at)
                & (BookingDoorCode.ends_at > at)
            )
        )


class RemoteLockAdapter:
    """RemoteLOCK's REST API (JSON:API): ``POST /access_persons`` makes an ``access_guest`` with
    a PIN and ``starts_at``/``ends_at`` in the lock's local time, ``POST
    /access_persons/{id}/accesses`` gives it the lock, ``DELETE /access_persons/{id}`` revokes."""

    def __init__(
        self, base_url: str, token: str, *, client: httpx.AsyncClient | None = None
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.token = token
        self._client = client

    async def _call(self, method: str, path: str, body: Any = None) -> Any:
        headers = {
            "Authorization": f"Bearer {self.token}",
            "Accept": "application/vnd.lockstate.v1+json",
            "Content-Type": "application/json",
        }
        if self._client is not None:
            response = await self._client.request(
                method, self.base_url + path, headers=headers, json=body
            )
        else:
            async with httpx.AsyncClient(timeout=10) as client:
                response = await client.request(
                    method, self.base_url + path, headers=headers, json=body
                )
        response.raise_for_status()
        return response.json() if response.content else None

    async def issue(
        self, lock_id: str, name: str, starts_at: dt.datetime, ends_at: dt.datetime, tz: str
    ) -> DoorCode:
        zone = ZoneInfo(tz)
        pin = new_pin()
        local = "%Y-%m-%dT%H:%M:%S"
        made = await self._call(
            "POST",
            "/access_persons",
            {
                "type": "access_guest",
                "attributes": {
                    "name": name,
                    "pin": pin,
                    "starts_at": starts_at.astimezone(zone).strftime(local),
                    "ends_at": ends_at.astimezone(zone).strftime(local),
                },
            },
        )
        person = str(made["data"]["id"])
        await self._call(
            "POST",
            f"/access_persons/{person}/accesses",
            {
                "attributes": {"accessible_id": lock_id, "accessible_type": "lock"},
            },
        )
        return DoorCode(pin, starts_at, ends_at, ref=person)

    async def revoke(self, lock_id: str, code: DoorCode) -> None:
        if code.ref:
            await self._call("DELETE", f"/access_persons/{code.ref}")


def configured_lock() -> SmartLock:
    """RemoteLOCK when ``MACHI_BOOKING_REMOTELOCK_TOKEN`` is set, else the local lock."""
    token = os.environ.get("MACHI_BOOKING_REMOTELOCK_TOKEN", "")
    if token:
        url = os.environ.get("MACHI_BOOKING_REMOTELOCK_URL", "https://api.remotelock.jp")
        return RemoteLockAdapter(url, token)
    return LocalLock()
