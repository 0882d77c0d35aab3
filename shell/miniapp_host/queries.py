"""Read residents' grants to mini-apps."""

from __future__ import annotations

from typing import Any

from shell.miniapp_host.tables import Grant


async def active_grant(account_id: int, app_id: str) -> dict[str, Any] | None:
    return (
        await Grant.select()
        .where(
            (Grant.account == account_id) & (Grant.app_id == app_id) & Grant.revoked_at.is_null()
        )
        .output(load_json=True)
        .first()
    )


async def grants_of(account_id: int) -> list[dict[str, Any]]:
    return (
        await Grant.select()
        .where((Grant.account == account_id) & Grant.revoked_at.is_null())
        .order_by(Grant.app_id)
        .output(load_json=True)
    )


async def grant_for_subject(app_id: str, subject: str) -> dict[str, Any] | None:
    """The active grant of the resident whose pairwise id in ``app_id`` is ``subject``."""
    if not subject:
        return None
    return (
        await Grant.select()
        .where((Grant.app_id == app_id) & (Grant.subject == subject) & Grant.revoked_at.is_null())
        .output(load_json=True)
        .first()
    )
