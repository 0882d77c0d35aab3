"""Mini-apps learn ``resident.verified`` from the resident ID's verification, and only with the
scope granted."""

import datetime as dt

from shell.identity.tables import Account
from shell.platform_api.queries import profile
from shell.resident_id import actions
from shell.resident_id.tables import Verification


async def test_resident_verified_follows_the_verification(db, districts):
    rows = await Account.insert(
        Account(name="武雄 花子", name_kana="たけお はなこ", birth_date=dt.date(1950, 4, 1),
                district=districts[0]["id"], webauthn_user_id="claims-test")
    ).returning(Account.id)  # fmt: skip
    account_id = rows[0]["id"]
    assert (await profile(account_id, frozenset({"resident.verified"}))) == {
        "resident.verified": False
    }
    await Verification.insert(
        Verification(account=account_id, method="counter", document_type="passport",
                     checked_on=actions.today_in_japan())
    )  # fmt: skip
    assert (await profile(account_id, frozenset({"resident.verified"}))) == {
        "resident.verified": True
    }
    assert "resident.verified" not in await profile(account_id, frozenset({"profile.name"}))
    await actions.revoke(account_id, "deceased", by=account_id)
    assert (await profile(account_id, frozenset({"resident.verified"})))[
        "resident.verified"
    ] is False


async def test_a_partner_reads_the_household_from_the_platform_profile(db, districts):
    """``GET /api/v1/profile`` (what an HTTPS partner calls) answers the same pairwise household
    id as the launch token, ``null`` before verification and after moving out."""
    import msgspec

    from shell.platform_api.schemas import profile_of
    from shell.resident_id.household import household_key, pairwise_household

    rows = await Account.insert(
        Account(name="武雄 花子", name_kana="たけお はなこ", birth_date=dt.date(1950, 4, 1),
                district=districts[0]["id"], webauthn_user_id="household-test")
    ).returning(Account.id)  # fmt: skip
    account_id = rows[0]["id"]
    scopes = frozenset({"resident.household"})

    async def answer() -> dict:
        claims = await profile(account_id, scopes, app_id="partner", secret="s")
        return msgspec.json.decode(msgspec.json.encode(profile_of(claims)))

    assert await answer() == {"resident.household": None}
    key = household_key("s", "武雄町武雄1234-5")
    await Verification.insert(
        Verification(account=account_id, method="counter", document_type="passport",
                     checked_on=actions.today_in_japan(), household=key)
    )  # fmt: skip
    assert await answer() == {
        "resident.household": pairwise_household("s", "partner", account_id, key)
    }
    assert await profile(account_id, frozenset({"profile.name"})) == {"profile.name": "武雄 花子"}
    await actions.revoke(account_id, "moved_out", by=account_id)
    assert await answer() == {"resident.household": None}
