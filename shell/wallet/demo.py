"""Demo data for the wallet: shops (two approved, one waiting for review), a shop owner who can
sign in with a recovery code, and balances for the demo residents. Idempotent: every movement
has a fixed idempotency key."""

from __future__ import annotations

import datetime as dt

from shell.demo import _account, demo_step
from shell.identity.actions import issue_recovery_code
from shell.identity.tables import Account
from shell.settings import Settings
from shell.wallet import actions, payouts
from shell.wallet.tables import Merchant

SHOPS = [
    ("DEMO0001", "武雄温泉みやげ店", "retail", "approved"),
    ("DEMO0002", "楼門食堂", "food", "approved"),
    ("DEMO0003", "御船山カフェ", "food", "pending"),
]


@demo_step
async def wallet(settings: Settings) -> list[str]:
    lines = []
    owner, created = await _account(
        "武雄 商店主",
        "たけお しょうてんぬし",
        dt.date(1970, 5, 5),
        "takeo",
        "ja",
        "demo-merchant-0",
    )
    for code, name, category, status in SHOPS:
        if not await Merchant.exists().where(Merchant.code == code):
            shop = await actions.register_merchant(
                name=name, category=category, owner=owner, code=code
            )
            await actions.set_merchant_status(shop, status)
            if status == "approved":  # so that staff can try a payout (an invented account)
                await payouts.set_bank_account(
                    shop, bank_code="0001", branch_code="001", account_type="1",
                    account_number=code[-4:].rjust(7, "0"), holder="タケオ シヨウテン",
                )  # fmt: skip
    if created:
        recovery = await issue_recovery_code(
            settings.resolved_secret(), owner, issued_by=None, hours=24 * 30, ip="demo"
        )
        lines.append(f"{'merchant':17} 武雄 商店主: {settings.public_url}/recover  code {recovery}")
    residents = await Account.select(Account.id, Account.webauthn_user_id).where(
        Account.webauthn_user_id.like("demo-resident-%")
    )
    # A fixed expiry (the end of the next fiscal year) keeps re-runs the same request.
    expires = dt.datetime(actions.now().year + 1, 3, 31, 14, 59, 59, tzinfo=dt.UTC)
    for row in residents:
        top_up = await actions.start_top_up(row["id"], 5000, key="demo")
        await actions.credit_top_up(top_up["reference"], gateway_ref="demo", succeeded=True)
        await actions.grant_points(
            row["id"], 1000, expires_at=expires, key=f"demo:{row['webauthn_user_id']}"
        )
    return lines
