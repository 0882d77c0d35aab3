"""Read the audit log."""

from __future__ import annotations

from typing import Any

from shell.audit.tables import AuditEntry


async def recent(limit: int = 100, action: str | None = None) -> list[dict[str, Any]]:
    query = (
        AuditEntry.select(
            AuditEntry.all_columns(),
            AuditEntry.actor.name.as_alias("actor_name"),
        )
        .order_by(AuditEntry.id, ascending=False)
        .limit(limit)
        .output(load_json=True)
    )
    if action:
        query = query.where(AuditEntry.action == action)
    return await query


async def for_subject(subject: str) -> list[dict[str, Any]]:
    return (
        await AuditEntry.select()
        .where(AuditEntry.subject == subject)
        .order_by(AuditEntry.id, ascending=False)
        .output(load_json=True)
    )
