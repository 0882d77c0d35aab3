"""The demo municipality has one resident verified at the counter; loading twice adds nothing."""

from shell.demo import people
from shell.identity.tables import Account
from shell.resident_id.demo import verified_resident
from shell.resident_id.queries import is_verified
from shell.resident_id.tables import Verification


async def test_demo_resident_is_verified_once(db, settings, districts):
    await people(settings)
    for _ in range(2):
        await verified_resident(settings)
    hanako = await Account.select().where(Account.webauthn_user_id == "demo-resident-0").first()
    assert await is_verified(hanako["id"])
    assert await Verification.count() == 1
