"""Who may do what on the staff side: ``can(resident, action)``, tested as a table."""

from __future__ import annotations

from machi_sdk.resident import Resident

#: Roles (declared in the manifest) allowed each staff action.
ALLOWED = {
    "board": ("bus_operator", "admin"),  # the live board, KPIs, phone bookings, cancelling
    "settings": ("bus_operator", "admin"),  # stops, vehicles, hours, fares
    "drive": ("bus_driver", "bus_operator", "admin"),  # the driver's tablet and its taps
}


def can(resident: Resident, action: str) -> bool:
    return any(resident.has_role(role) for role in ALLOWED.get(action, ()))


def is_staff(resident: Resident) -> bool:
    return any(can(resident, action) for action in ALLOWED)
