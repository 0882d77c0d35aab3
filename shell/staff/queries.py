"""Read staff and their roles."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from shell.staff.tables import StaffRole


async def staff_with_roles() -> list[dict[str, Any]]:
    rows = await StaffRole.select(
        StaffRole.account,
        StaffRole.role,
        StaffRole.account.name.as_alias("name"),
        StaffRole.account.name_kana.as_alias("name_kana"),
    ).order_by(StaffRole.account)
    people: dict[int, dict[str, Any]] = {}
    roles: dict[int, list[str]] = defaultdict(list)
    for row in rows:
        people.setdefault(
            row["account"],
            {"id": row["account"], "name": row["name"], "name_kana": row["name_kana"]},
        )
        roles[row["account"]].append(row["role"])
    return [{**person, "roles": sorted(roles[pid])} for pid, person in people.items()]


async def roles_of(account_id: int) -> list[str]:
    rows = await StaffRole.select(StaffRole.role).where(StaffRole.account == account_id)
    return sorted(row["role"] for row in rows)
