"""Demo data: one resident already verified at the counter, so the ID card works at once."""

from __future__ import annotations

from shell.demo import demo_step
from shell.identity.tables import Account
from shell.resident_id.actions import today_in_japan
from shell.resident_id.household import household_key
from shell.resident_id.queries import is_verified
from shell.resident_id.tables import Verification
from shell.settings import Settings

DEMO_ADDRESS = "佐賀県武雄市武雄町大字武雄1234番地5"


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
            # the clerk typed the address on the register; only its key is kept
            household=household_key(
                settings.resolved_secret(), DEMO_ADDRESS, settings.municipality
            ),
        )
    )
    return []
