"""Write to the audit log. Called inside the action's transaction, so both land or neither."""

from __future__ import annotations

from typing import Any

from shell.audit.tables import AuditEntry


async def record(
    action: str,
    *,
    actor: int | None,
    subject: str = "",
    detail: dict[str, Any] | None = None,
    ip: str = "",
) -> None:
    await AuditEntry.insert(
        AuditEntry(actor=actor, action=action, subject=subject, detail=detail or {}, ip=ip)
    )
