"""``POST/GET /api/v1/payments`` over HTTPS with a partner's credentials and a resident's launch
token, through the SDK's HTTPS transport; and the scope check."""

from __future__ import annotations

import pytest
from machi_sdk import HTTPSPlatform, PlatformError, Resident

from shell.identity.tables import Account
from shell.miniapp_host import tokens
from shell.miniapp_host.tables import Grant
from shell.wallet.tables import PaymentRequest
from tests.shell.platform_api.conftest import (  # noqa: F401  (fixtures)
    SHELL,
    client_for,
    fx_credentials,
    fx_hosted_settings,
    fx_resident_client,
    fx_server,
)


async def _resident(settings, scopes: list[str]) -> Resident:  # type: ignore[no-untyped-def]
    grant = await Grant.select().where(Grant.app_id == "hello").first()
    await Grant.update({Grant.scopes: sorted({*grant["scopes"], *scopes})}).where(
        Grant.id == grant["id"]
    )
    account = await Account.select().where(Account.id == grant["account"]).first()
    token, _ = await tokens.mint(
        issuer=settings.public_url, secret=settings.resolved_secret(), app_id="hello",
        account=account, scopes=scopes, claims={}, locale="ja", roles=[],
    )  # fmt: skip
    return Resident(id=grant["subject"], scopes=frozenset(scopes), app_id="hello", token=token)


async def test_a_partner_asks_for_a_payment_over_https(
    server, resident_client, credentials, hosted_settings
) -> None:  # type: ignore[no-untyped-def]
    resident = await _resident(hosted_settings, ["wallet.pay"])
    async with client_for(server) as http:
        platform = HTTPSPlatform(SHELL, *credentials, client=http)
        answer = await platform.request_payment(resident, 1500, "施設の予約", "booking-1")
        assert answer["status"] == "pending"
        assert answer["amount"] == 1500
        assert answer["confirm_url"] == f"{SHELL}/wallet/requests/{answer['id']}"
        again = await platform.request_payment(resident, 1500, "施設の予約", "booking-1")
        assert again["id"] == answer["id"]
        status = await http.get(
            f"/api/v1/payments/{answer['id']}",
            headers={"Authorization": platform._auth, "Machi-Resident-Token": resident.token},
        )
        assert status.status_code == 200
        assert status.json()["status"] == "pending"
        # The resident opens the confirmation page in the shell.
        sheet = await resident_client.get(f"/wallet/requests/{answer['id']}")
        assert "1,500" in sheet.text
    assert await PaymentRequest.count() == 1


async def test_without_wallet_pay_the_shell_refuses(
    server, resident_client, credentials, hosted_settings
) -> None:  # type: ignore[no-untyped-def]
    resident = await _resident(hosted_settings, ["storage"])
    pretending = Resident(id=resident.id, scopes=frozenset({"wallet.pay"}), app_id="hello",
                          token=resident.token)  # fmt: skip
    async with client_for(server) as http:
        platform = HTTPSPlatform(SHELL, *credentials, client=http)
        with pytest.raises(PlatformError) as refused:
            await platform.request_payment(pretending, 100, "x", "y")
    assert refused.value.code == "scope_missing"
    assert await PaymentRequest.count() == 0
