"""Grant and revoke staff roles; every change is audited."""

from __future__ import annotations

from shell.audit.actions import record
from shell.identity.actions import ActionRefused
from shell.identity.tables import Account
from shell.staff.permissions import ROLES
from shell.staff.tables import StaffRole


async def grant_role(account_id: int, role: str, *, by: int | None, ip: str = "") -> bool:
    """Give ``role``; returns False when the account already held it."""
    if role not in ROLES:
        raise ActionRefused("unknown_role")
    async with StaffRole._meta.db.transaction():
        if not await Account.exists().where(Account.id == account_id):
            raise ActionRefused("not_found")
        if await StaffRole.exists().where(
            (StaffRole.account == account_id) & (StaffRole.role == role)
        ):
            return False
        await StaffRole.insert(StaffRole(account=account_id, role=role, granted_by=by))
        await record(
            "role.granted", actor=by, subject=f"account:{account_id}", detail={"role": role}, ip=ip
        )
    return True


async def revoke_role(account_id: int, role: str, *, by: int | None, ip: str = "") -> bool:
    async with StaffRole._meta.db.transaction():
        if role == "admin" and account_id == by:
            # An admin cannot lock the city out of its own console by accident.
            raise ActionRefused("own_admin")
        gone = (
            await StaffRole.delete()
            .where((StaffRole.account == account_id) & (StaffRole.role == role))
            .returning(StaffRole.id)
        )
        if not gone:
            return False
        await record(
            "role.revoked", actor=by, subject=f"account:{account_id}", detail={"role": role}, ip=ip
        )
    return True
