"""Who may do what in the handbook: one table. A child's records are a matter of guardianship,
checked in ``actions`` on every read and write (``_guardian``); this table is for staff work."""

from __future__ import annotations

from machi_sdk.resident import Resident

# action -> the app's staff roles (manifest.toml) allowed to do it
ABILITIES: dict[str, frozenset[str]] = {
    "slots.manage": frozenset({"health_centre", "admin"}),
    "interview.read": frozenset({"health_centre", "admin"}),
    "interview.record": frozenset({"health_centre", "admin"}),
    "export.layout": frozenset({"health_centre", "admin"}),
    "export.csv": frozenset({"health_centre", "admin"}),
    "form.print": frozenset({"health_centre", "admin"}),
}


def can(resident: Resident, action: str) -> bool:
    """Whether ``resident`` holds a role allowed to do ``action`` (unknown actions: no one)."""
    return bool(ABILITIES.get(action, frozenset()) & resident.roles)
