"""The resident ID over HTTP: counter verification, issuing to a device, verifying, revoking."""

from __future__ import annotations

import json
import re
from contextlib import asynccontextmanager

import pytest
from cryptography.hazmat.primitives.asymmetric import ec

from shell.audit.tables import AuditEntry
from shell.identity.tables import Account
from shell.resident_id import sdjwt
from shell.resident_id.actions import today_in_japan
from shell.resident_id.tables import CounterRequest, Credential, Verification
from shell.staff.actions import grant_role
from tests.conftest import make_client
from tests.helpers.authenticator import SoftAuthenticator
from tests.helpers.flows import csrf_headers, prime, signup

CLERK = {"name": "窓口 一郎", "name_kana": "まどぐち いちろう", "birth_date": "1980-01-01"}
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 200


@asynccontextmanager
async def staff_member(app, role: str, name: str = CLERK["name"]):
    async with make_client(app) as client:
        await signup(client, SoftAuthenticator(), **{**CLERK, "name": name})
        account = await Account.select().where(Account.name == name).first()
        await grant_role(account["id"], role, by=None)
        await prime(client, "/staff")
        yield client, account


async def counter_token(client) -> str:
    page = await client.get("/id/counter")
    assert page.status_code == 200
    return re.search(r'data-testid="counter-code">([^<]+)<', page.text).group(1)


def form(token_checked=True, **fields):
    data = {
        "document_type": "drivers_license",
        "checked_on": today_in_japan().isoformat(),
        "address": "佐賀県武雄市武雄町大字武雄1234番地5",
    }
    if token_checked:
        data["document_checked"] = "yes"
    data.update(fields)
    return data


async def post_check(staff, token, data, photo=b""):
    files = {"photo": ("photo.jpg", photo, "image/jpeg")} if photo else {"photo": ("", b"", "")}
    return await staff.post(
        f"/staff/resident-id/requests/{token}", data=data, files=files, headers=csrf_headers(staff)
    )


async def revoke(staff, resident, reason):
    return await staff.post(
        f"/staff/resident-id/residents/{resident['id']}/revoke",
        data={"reason": reason},
        headers=csrf_headers(staff),
    )


async def verified_resident(app, client):
    await signup(client, SoftAuthenticator())
    token = await counter_token(client)
    async with staff_member(app, "counter", "窓口 三郎") as (staff, _):
        done = await post_check(staff, token, form(), photo=JPEG)
        assert done.status_code == 200, done.text
    return await Account.select().where(Account.name == "武雄 花子").first()


async def test_unverified_resident_sees_how_to_verify_and_gets_no_credential(client, districts):
    await signup(client, SoftAuthenticator())
    home = await client.get("/")
    assert 'data-testid="tile-resident-id"' in home.text
    assert "市民証をはじめる" in home.text
    page = await client.get("/id")
    assert "本人確認がまだです" in page.text
    device = ec.generate_private_key(ec.SECP256R1())
    refused = await client.post(
        "/id/credential",
        json={"jwk": sdjwt.public_jwk_p256(device.public_key())},
        headers=csrf_headers(client),
    )
    assert refused.status_code == 403
    assert "本人確認がまだ済んでいません" in refused.json()["message"]
    assert await Credential.count() == 0


async def test_counter_verification_records_type_and_date_only_and_is_audited(
    app, client, districts
):
    await signup(client, SoftAuthenticator())
    token = await counter_token(client)
    async with staff_member(app, "counter") as (staff, clerk):
        page = await staff.get(f"/staff/resident-id/requests/{token}")
        assert page.status_code == 200
        assert "武雄 花子" in page.text
        assert "マイナンバー（個人番号）は、書き写したり" in page.text
        # A number typed anyway goes nowhere.
        done = await post_check(staff, token, form(document_number="AB1234567"), photo=JPEG)
        assert done.status_code == 200
        assert "本人確認済みにしました" in done.text
    row = await Verification.select().first()
    assert row["document_type"] == "drivers_license"
    assert row["checked_on"] == today_in_japan()
    assert row["verified_by"] == clerk["id"]
    assert bytes(row["photo"]) == JPEG
    assert "AB1234567" not in repr(row)
    entry = await AuditEntry.select().where(AuditEntry.action == "resident_id.verified").first()
    assert entry["actor"] == clerk["id"]
    detail = entry["detail"] if isinstance(entry["detail"], dict) else json.loads(entry["detail"])
    assert detail == {
        "document_type": "drivers_license",
        "checked_on": str(today_in_japan()),
        "photo": True,
        "household": True,  # that a household key was recorded, not the address
    }
    assert "AB1234567" not in repr(await AuditEntry.select())
    # The request QR is single use.
    async with staff_member(app, "admin", "管理 二郎") as (admin, _):
        again = await admin.get(f"/staff/resident-id/requests/{token}")
        assert again.status_code == 404
        assert "使用済みか、有効期限が切れています" in again.text
    card = await client.get("/id")
    assert 'data-testid="verified-badge"' in card.text
    # The card may be kept by the service worker for offline use (never by a shared cache)...
    assert set(card.headers["cache-control"].split(", ")) == {"private", "no-cache"}
    # ...the counter's pages never.
    async with staff_member(app, "counter", "窓口 四郎") as (staff, _):
        scanner = await staff.get("/staff/resident-id/")
        assert "no-store" in scanner.headers["cache-control"]
    assert "運転免許証" in card.text


async def test_bad_counter_input_changes_nothing(app, client, districts):
    await signup(client, SoftAuthenticator())
    token = await counter_token(client)
    async with staff_member(app, "counter") as (staff, _):
        cases = [
            (form(token_checked=False), b"", "確認のチェックを入れてください"),
            (form(document_type="my_number"), b"", "書類の種類を一覧から選んでください"),
            (form(checked_on="2001-01-01"), b"", "1週間前までの日付"),
            (form(checked_on="yesterday"), b"", "1週間前までの日付"),
            (form(), b"\xff\xd8\xff" + b"x" * (301 * 1024), "写真が大きすぎます"),
            (form(), b"GIF89a-not-a-photo", "JPEGかPNG"),
        ]
        for data, photo, message in cases:
            response = await post_check(staff, token, data, photo)
            assert response.status_code == 400, data
            assert message in response.text
        assert await Verification.count() == 0
        assert await CounterRequest.count().where(CounterRequest.used_at.is_not_null()) == 0
        unknown = await post_check(staff, "no-such-request", form())
        assert unknown.status_code == 404
        assert await Verification.count() == 0


async def test_staff_without_the_role_is_refused_and_nothing_changes(app, client, districts):
    await signup(client, SoftAuthenticator())
    token = await counter_token(client)
    async with staff_member(app, "notifier") as (staff, _):
        assert (await staff.get("/staff/resident-id/")).status_code == 403
        assert (await staff.get(f"/staff/resident-id/requests/{token}")).status_code == 403
        refused = await post_check(staff, token, form())
        assert refused.status_code == 403
        resident = await Account.select().where(Account.name == "武雄 花子").first()
        assert (await revoke(staff, resident, "deceased")).status_code == 403
    assert await Verification.count() == 0
    # A resident cannot reach the counter pages either.
    assert (await client.get(f"/staff/resident-id/requests/{token}")).status_code == 403


async def test_issued_credential_verifies_then_revocation_reaches_the_status_list(
    app, client, districts
):
    resident = await verified_resident(app, client)
    device = ec.generate_private_key(ec.SECP256R1())
    issued = await client.post(
        "/id/credential",
        json={"jwk": sdjwt.public_jwk_p256(device.public_key())},
        headers=csrf_headers(client),
    )
    assert issued.status_code == 200, issued.text
    body = issued.json()
    assert body["claims"]["age_over_65"] is True  # born 1950
    keys = sdjwt.ed25519_keys_from_jwks((await client.get("/.well-known/jwks.json")).json())

    async def status():
        response = await client.get("/resident-id/status")
        assert response.headers["content-type"].startswith("application/statuslist+jwt")
        return sdjwt.read_status_list(response.text, keys)

    shown = sdjwt.present(body["credential"], ["age_over_65"], device)
    result = sdjwt.verify(shown, keys=keys, issuer="https://localhost", status=await status())
    assert result.claims == {"age_over_65": True}

    async with staff_member(app, "counter") as (staff, _):
        bad = await revoke(staff, resident, "bored")
        assert bad.status_code == 400
        assert "理由を一覧から選んでください" in bad.text
        assert await Credential.count().where(Credential.revoked_at.is_not_null()) == 0
        done = await revoke(staff, resident, "moved_out")
        assert done.status_code == 200
        assert "失効させました（1件）" in done.text

    fresh = sdjwt.present(body["credential"], ["age_over_65"], device)
    current = await status()
    with pytest.raises(sdjwt.Invalid) as caught:
        sdjwt.verify(fresh, keys=keys, issuer="https://localhost", status=current)
    assert caught.value.reason == "revoked"
    # Moving out ends the verification: no new credential either.
    assert "本人確認がまだです" in (await client.get("/id")).text
    again = await client.post(
        "/id/credential",
        json={"jwk": sdjwt.public_jwk_p256(device.public_key())},
        headers=csrf_headers(client),
    )
    assert again.status_code == 403


async def test_a_new_device_replaces_the_old_credential(app, client, districts):
    await verified_resident(app, client)
    first, second = (ec.generate_private_key(ec.SECP256R1()) for _ in range(2))
    for device in (first, second):
        response = await client.post(
            "/id/credential",
            json={"jwk": sdjwt.public_jwk_p256(device.public_key())},
            headers=csrf_headers(client),
        )
        assert response.status_code == 200
    live = await Credential.select().where(Credential.revoked_at.is_null())
    assert len(live) == 1
    assert live[0]["device_thumbprint"] == sdjwt.jwk_thumbprint(
        sdjwt.public_jwk_p256(second.public_key())
    )
    # Phones are not changed ten times a day: the status list is not for filling.
    for _ in range(8):
        device = ec.generate_private_key(ec.SECP256R1())
        jwk = sdjwt.public_jwk_p256(device.public_key())
        ok = await client.post("/id/credential", json={"jwk": jwk}, headers=csrf_headers(client))
        assert ok.status_code == 200
    refused = await client.post("/id/credential", json={"jwk": jwk}, headers=csrf_headers(client))
    assert refused.status_code == 400
    assert "今日はこれ以上発行できません" in refused.json()["message"]
    assert await Credential.count() == 10


async def test_bad_device_key_is_refused(app, client, districts):
    await verified_resident(app, client)
    for jwk in ({"kty": "EC", "crv": "P-256", "x": "AAAA", "y": "AAAA"}, {"kty": "OKP"}, {}):
        response = await client.post(
            "/id/credential", json={"jwk": jwk}, headers=csrf_headers(client)
        )
        assert response.status_code == 400
        assert "端末の鍵を読み取れませんでした" in response.json()["message"]
    assert await Credential.count() == 0


async def test_resident_reports_a_lost_phone(app, client, districts):
    await verified_resident(app, client)
    device = ec.generate_private_key(ec.SECP256R1())
    await client.post(
        "/id/credential",
        json={"jwk": sdjwt.public_jwk_p256(device.public_key())},
        headers=csrf_headers(client),
    )
    unconfirmed = await client.post("/id/lost", data={}, headers=csrf_headers(client))
    assert unconfirmed.status_code in (302, 303)
    assert await Credential.count().where(Credential.revoked_at.is_null()) == 1
    lost = await client.post("/id/lost", data={"confirm": "yes"}, headers=csrf_headers(client))
    assert lost.status_code in (302, 303)
    assert await Credential.count().where(Credential.revoked_at.is_null()) == 0
    # Every session ended, this one too; the verification itself stands.
    after = await client.get("/id")
    assert after.status_code == 302
    assert after.headers["location"].startswith("/signin")
    assert await Verification.count().where(Verification.revoked_at.is_null()) == 1


async def test_verify_page_is_public(client, districts):
    page = await client.get("/verify")
    assert page.status_code == 200
    assert "市民証を確かめる" in page.text
    assert 'data-issuer="https://localhost"' in page.text


async def test_the_home_tile_follows_the_verification(app, client, districts):
    """The tile's state comes with the account's read on the home page, on a full load and on
    htmx's refresh of it alike."""

    async def tile() -> list[str]:
        shown = []
        for headers in ({}, {"HX-Request": "true"}):
            home = await client.get("/", headers=headers)
            assert home.status_code == 200
            shown += [text for text in ("市民証を見せる", "市民証をはじめる") if text in home.text]
        return shown

    resident = await verified_resident(app, client)
    assert await tile() == ["市民証を見せる"] * 2
    async with staff_member(app, "counter") as (staff, _):
        assert (await revoke(staff, resident, "moved_out")).status_code == 200
    assert await tile() == ["市民証をはじめる"] * 2


async def test_the_tile_reads_the_verification_itself_where_the_account_read_did_not(
    app, client, districts
):
    """Shown on a path the account's read has no fact for, the tile reads the verification."""
    from shell.resident_id.home import resident_id_tile
    from shell.web.request import ShellRequest

    resident = await verified_resident(app, client)
    elsewhere = ShellRequest({"type": "http", "path": "/elsewhere", "headers": [],
                              "state": {"account": resident}})  # fmt: skip
    assert await resident_id_tile(elsewhere) == {"verified": True}
    async with staff_member(app, "counter") as (staff, _):
        assert (await revoke(staff, resident, "moved_out")).status_code == 200
    assert await resident_id_tile(elsewhere) == {"verified": False}
