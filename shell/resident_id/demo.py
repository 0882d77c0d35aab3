"""Demo data: one resident already verified at the counter, so the ID card works at once."""

from __future__ import annotations

from shell.demo import demo_step
from shell.identity.tables import Account
from shell.resident_id.actions import today_in_japan
from shell.resident_id.queries import is_verified
from shell.resident_id.tables import Verification
from shell.settings import Settings


@demo_step
async def verified_resident(settings: Settings) -> list[str]:
    resident = (
        await Account.select(Account.id)
        .where(Account.webauthn_user_id == "demo-resident-0")
        .first()
    )
    if resident is None or await is_verified(resident["id"]):
        return []
    clerk = (
        await Account.select(Account.id)
        .where(Account.webauthn_user_id == "demo-staff-counter")
        .first()
    )
    await Verification.insert(
        Verification(
            account=resident["id"],
            method="counter",
            document_type="drivers_license",
            checked_on=today_in_japan(),
            verified_by=clerk["id"] if clerk else None,
        )
    )
    return []
