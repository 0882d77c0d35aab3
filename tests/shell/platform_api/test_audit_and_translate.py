"""Mini-apps write the city's audit log for staff access, and ask for machine translation."""

from __future__ import annotations

import dataclasses

import pytest
from machi_sdk import HTTPSPlatform, PlatformError
from machi_sdk.auth import TokenVerifier

from shell import translation
from shell.audit.tables import AuditEntry
from shell.miniapp_host.keys import ShellKeys
from shell.miniapp_host.tables import Grant
from shell.miniapp_host.tokens import mint
from shell.platform_api.inprocess import platform_for
from shell.staff.actions import grant_role, revoke_role
from tests.shell.platform_api.conftest import SHELL, client_for


@pytest.fixture(name="resident")
async def fx_resident(token):
    return await TokenVerifier(SHELL, "hello", ShellKeys()).averify(token)


async def _account_of(resident) -> int:
    grant = await Grant.select(Grant.account).where(Grant.subject == resident.id).first()
    return int(grant["account"])


async def _entries() -> list[dict]:
    query = AuditEntry.select().where(AuditEntry.action.like("app.%")).order_by(AuditEntry.id)
    return await query.output(load_json=True)


async def test_a_staff_launch_files_its_access_under_the_resident(hosted_settings, resident):
    account = await _account_of(resident)
    await grant_role(account, "counter", by=None)
    staff = dataclasses.replace(resident, roles=frozenset({"counter"}))
    platform = platform_for("hello", hosted_settings)

    await platform.audit(staff, "child.view", resident.id, {"class": "ひまわり"})
    await platform.audit(staff, "letter.send", "letter-42")

    first, second = await _entries()
    assert first["action"] == "app.hello.child.view"
    assert first["actor"] == account
    assert first["subject"] == f"account:{account}"  # the pairwise id is filed under the person
    assert first["detail"] == {"class": "ひまわり", "app": "hello", "roles": ["counter"]}
    assert second["subject"] == "app:hello:letter-42"


async def test_only_a_launch_with_a_role_still_held_may_audit(hosted_settings, resident):
    platform = platform_for("hello", hosted_settings)
    with pytest.raises(PlatformError) as plain:
        await platform.audit(resident, "child.view", "x")  # a resident's launch: no roles
    assert plain.value.code == "forbidden"

    account = await _account_of(resident)
    await grant_role(account, "counter", by=None)
    await revoke_role(account, "counter", by=None)
    stale = dataclasses.replace(resident, roles=frozenset({"counter"}))  # token older than revoke
    with pytest.raises(PlatformError) as revoked:
        await platform.audit(stale, "child.view", "x")
    assert revoked.value.code == "forbidden"
    with pytest.raises(PlatformError) as bad:
        await platform.audit(stale, "Child View!", "x")
    assert bad.value.code == "invalid"
    assert await _entries() == []


async def test_audit_and_translation_over_https(server, credentials, resident, monkeypatch):
    account = await _account_of(resident)
    await grant_role(account, "counter", by=None)

    async def engine(texts, target, source="ja"):
        return [f"{target}:{text}" for text in texts]

    async with client_for(server) as transport:
        platform = HTTPSPlatform(SHELL, *credentials, client=transport)
        # The shell re-checks roles itself: an app claiming a role the token lacks is refused.
        pretending = dataclasses.replace(resident, roles=frozenset({"counter"}))
        with pytest.raises(PlatformError) as refused:
            await platform.audit(pretending, "child.view", resident.id)
        assert refused.value.code == "forbidden"
        assert await _entries() == []

        with pytest.raises(PlatformError) as none:
            await platform.translate(["欠席します"], "vi")
        assert none.value.code == "unavailable"
        monkeypatch.setattr("shell.platform_api.actions.translate", engine)
        assert await platform.translate(["欠席します", "お知らせ"], "vi") == [
            "vi:欠席します",
            "vi:お知らせ",
        ]
        with pytest.raises(PlatformError) as too_many:
            await platform.translate(["x"] * 51, "vi")
        assert too_many.value.code == "invalid"


async def test_the_in_process_translate_says_when_no_engine_runs(hosted_settings, monkeypatch):
    platform = platform_for("hello", hosted_settings)
    with pytest.raises(PlatformError) as none:
        await platform.translate(["こんにちは"], "en")
    assert none.value.code == "unavailable"

    async def engine(texts, target, source="ja"):
        raise translation.TranslationUnavailable("the engine did not answer")

    monkeypatch.setattr("shell.platform_api.actions.translate", engine)
    with pytest.raises(PlatformError) as down:
        await platform.translate(["こんにちは"], "en")
    assert down.value.code == "unavailable"


async def test_an_app_refunds_over_https_only_its_own_paid_requests(
    server, credentials, resident, client
):
    from shell.wallet import actions as wallet
    from shell.wallet import apppay, queries

    account = await _account_of(resident)
    top = await wallet.start_top_up(account, 1000, key="t")
    await wallet.credit_top_up(top["reference"], gateway_ref="g", succeeded=True)
    asked = await apppay.create_request(
        app_id="hello",
        app_name="ハロー",
        account_id=account,
        amount=600,
        description="会費",
        reference="fee-1",
    )
    await apppay.confirm(asked["public_id"], account)
    async with client_for(server) as transport:
        platform = HTTPSPlatform(SHELL, *credentials, client=transport)
        answer = await platform.refund_payment("fee-1", 600, "fee-1:back")
        assert answer["refunded"] == 600
        assert answer["reference"] == "fee-1"
        with pytest.raises(PlatformError) as twice:
            await platform.refund_payment("fee-1", 1, "fee-1:more")
        assert twice.value.code == "invalid"
    assert await queries.balances(account) == {"cash": 1000, "points": 0}


async def test_a_staff_correction_in_an_app_is_what_the_city_translates_from_then_on(
    hosted_settings, resident
):
    from shell.translation.tables import TranslationMemory

    account = await _account_of(resident)
    await grant_role(account, "counter", by=None)
    staff = dataclasses.replace(resident, roles=frozenset({"counter"}))
    platform = platform_for("hello", hosted_settings)
    with pytest.raises(PlatformError) as none:  # no engine, nothing remembered yet
        await platform.translate(["プール開きのお知らせ"], "vi")
    assert none.value.code == "unavailable"

    await platform.remember_translation(staff, "プール開きのお知らせ", "vi", "Thông báo mở hồ bơi")

    assert await platform.translate(["プール開きのお知らせ"], "vi") == ["Thông báo mở hồ bơi"]
    assert await translation.translate(["プール開きのお知らせ"], "vi") == ["Thông báo mở hồ bơi"]
    (row,) = await TranslationMemory.select().where(TranslationMemory.target_lang == "vi")
    assert (row["origin"], row["corrected_by"]) == ("staff", account)


async def test_only_a_staff_launch_whose_role_is_still_held_corrects_translations(
    server, credentials, hosted_settings, resident
):
    platform = platform_for("hello", hosted_settings)
    with pytest.raises(PlatformError) as plain:
        await platform.remember_translation(resident, "欠席します", "vi", "sai")
    assert plain.value.code == "forbidden"
    pretending = dataclasses.replace(resident, roles=frozenset({"counter"}))  # role not held
    with pytest.raises(PlatformError) as stale:
        await platform.remember_translation(pretending, "欠席します", "vi", "sai")
    assert stale.value.code == "forbidden"
    async with client_for(server) as transport:
        https = HTTPSPlatform(SHELL, *credentials, client=transport)
        with pytest.raises(PlatformError) as refused:
            await https.remember_translation(pretending, "欠席します", "vi", "sai")
        assert refused.value.code == "forbidden"
        with pytest.raises(PlatformError) as still_none:
            await https.translate(["欠席します"], "vi")
        assert still_none.value.code == "unavailable"  # nothing was kept

        account = await _account_of(resident)
        await grant_role(account, "counter", by=None)
        token, _ = await mint(  # the launch the shell gives a counter clerk of an app with roles
            issuer=SHELL, secret=hosted_settings.resolved_secret(), app_id="hello",
            account={"id": account}, scopes=sorted(resident.scopes), claims={}, locale="ja",
            roles=["counter"],
        )  # fmt: skip
        clerk = dataclasses.replace(pretending, token=token)
        await https.remember_translation(clerk, "欠席します", "vi", "Vắng mặt")
        assert await https.translate(["欠席します"], "vi") == ["Vắng mặt"]
        spec = (await transport.get("/schema/openapi.json")).json()
    assert "post" in spec["paths"]["/api/v1/translations/memory"]
