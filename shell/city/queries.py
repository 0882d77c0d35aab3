"""Read the municipality's districts."""

from __future__ import annotations

from typing import Any

from shell.city.tables import District


async def districts() -> list[dict[str, Any]]:
    return await District.select().order_by(District.position)
