"""The staff console over HTTP: guarded routes, roles, recovery codes and the audit log."""

from __future__ import annotations

import json
import re
from contextlib import asynccontextmanager

from shell.audit.tables import AuditEntry
from shell.identity.tables import Account, Passkey, RecoveryCode
from shell.staff.actions import grant_role
from shell.staff.tables import StaffRole
from tests.conftest import make_client
from tests.helpers.authenticator import SoftAuthenticator
from tests.helpers.flows import csrf_headers, prime, signup

CLERK = {"name": "窓口 一郎", "name_kana": "まどぐち いちろう"}


@asynccontextmanager
async def staff_member(app, role: str):
    """A signed-in client for a new staff member holding ``role``, and their account."""
    async with make_client(app) as client:
        await signup(client, SoftAuthenticator(), **CLERK)
        account = await Account.select().where(Account.name == CLERK["name"]).first()
        await grant_role(account["id"], role, by=None)
        yield client, account


async def test_residents_cannot_open_the_staff_console(client, districts):
    await signup(client, SoftAuthenticator())
    for path in ("/staff", "/staff/roles", "/staff/audit", "/staff/residents"):
        response = await client.get(path)
        assert response.status_code == 403, path
        assert "権限がありません" in response.text


async def test_notifier_sees_console_but_not_role_admin(app, districts):
    async with staff_member(app, "notifier") as (client, _):
        assert (await client.get("/staff")).status_code == 200
        assert (await client.get("/staff/roles")).status_code == 403
        assert (await client.get("/staff/residents?q=x")).status_code == 403


async def test_admin_grants_and_revokes_roles_and_both_are_audited(app, client, districts):
    await signup(client, SoftAuthenticator(), name="山内 太郎", name_kana="やまうち たろう")
    target = await Account.select().where(Account.name == "山内 太郎").first()
    async with staff_member(app, "admin") as (admin, admin_account):
        await prime(admin, "/staff/roles")
        granted = await admin.post(
            "/staff/roles/grant",
            headers=csrf_headers(admin),
            data={"account_id": str(target["id"]), "role": "notifier"},
        )
        assert granted.status_code == 200
        assert "役割を付与しました" in granted.text
        assert await StaffRole.exists().where(
            (StaffRole.account == target["id"]) & (StaffRole.role == "notifier")
        )
        # The new notifier's next request already sees the console.
        assert (await client.get("/staff")).status_code == 200
        bad = await admin.post(
            "/staff/roles/grant",
            headers=csrf_headers(admin),
            data={"account_id": str(target["id"]), "role": "emperor"},
        )
        assert bad.status_code == 400
        assert "その役割はありません" in bad.text
        revoked = await admin.post(
            "/staff/roles/revoke",
            headers=csrf_headers(admin),
            data={"account_id": str(target["id"]), "role": "notifier"},
        )
        assert "役割を外しました" in revoked.text
        assert (await client.get("/staff")).status_code == 403
        own = await admin.post(
            "/staff/roles/revoke",
            headers=csrf_headers(admin),
            data={"account_id": str(admin_account["id"]), "role": "admin"},
        )
        assert own.status_code == 400
        actions = [
            row["action"]
            for row in await AuditEntry.select(AuditEntry.action).where(
                AuditEntry.actor == admin_account["id"]
            )
        ]
        assert "role.granted" in actions
        assert "role.revoked" in actions
        audit_page = await admin.get("/staff/audit")
        assert "role.granted" in audit_page.text


async def test_counter_recovery_flow(app, client, districts):
    """Lost every passkey: the counter issues a code, the resident uses it once."""
    lost_phone = SoftAuthenticator()
    await signup(client, lost_phone)
    resident = await Account.select().where(Account.name == "武雄 花子").first()
    async with staff_member(app, "counter") as (counter, counter_account):
        found = await counter.get("/staff/residents", params={"q": "たけお"})
        assert "武雄 花子" in found.text
        page = await counter.get(f"/staff/residents/{resident['id']}")
        assert page.status_code == 200
        await prime(counter, f"/staff/residents/{resident['id']}")
        unchecked = await counter.post(
            f"/staff/residents/{resident['id']}/recovery-code",
            headers=csrf_headers(counter),
            data={},
        )
        assert unchecked.status_code == 400
        assert await RecoveryCode.count() == 0
        issued = await counter.post(
            f"/staff/residents/{resident['id']}/recovery-code",
            headers=csrf_headers(counter),
            data={"identity_checked": "yes"},
        )
        code = re.search(r"[2-9A-Z]{4}-[2-9A-Z]{4}-[2-9A-Z]{4}", issued.text).group(0)
    # The code is kept only as a hash.
    assert code.replace("-", "") not in json.dumps(await RecoveryCode.select(), default=str)
    audit = {
        row["action"]
        for row in await AuditEntry.select(AuditEntry.action).where(
            AuditEntry.actor == counter_account["id"]
        )
    }
    assert {"residents.searched", "resident.viewed", "recovery.issued"} <= audit

    async with make_client(app) as new_phone_client:
        new_phone = SoftAuthenticator()
        await prime(new_phone_client, "/recover")
        wrong = await new_phone_client.post(
            "/recover", data={"code": "AAAA-BBBB-CCCC"}, headers=csrf_headers(new_phone_client)
        )
        assert wrong.status_code == 400
        assert "復旧コードが正しくない" in wrong.text
        # Typed in lower case with full-width hyphens, as people do.
        typed = code.lower().replace("-", "－")
        ok = await new_phone_client.post(
            "/recover", data={"code": typed}, headers=csrf_headers(new_phone_client)
        )
        assert ok.status_code == 200
        assert "新しいパスキーを作る" in ok.text
        options = json.loads(
            (
                await new_phone_client.post(
                    "/recover/options", headers=csrf_headers(new_phone_client)
                )
            ).json()["options"]
        )
        finish = await new_phone_client.post(
            "/recover/finish",
            json={"credential": new_phone.create(options)},
            headers=csrf_headers(new_phone_client),
        )
        assert finish.status_code == 200, finish.text
        assert "こんにちは、武雄 花子さん" in (await new_phone_client.get("/")).text
    # The lost passkey is gone, the old session ended, and the code cannot be used again.
    assert await Passkey.count().where(Passkey.account == resident["id"]) == 1
    assert "こんにちは" not in (await client.get("/")).text
    async with make_client(app) as thief:
        await prime(thief, "/recover")
        again = await thief.post("/recover", data={"code": code}, headers=csrf_headers(thief))
        assert again.status_code == 400
    assert await AuditEntry.exists().where(AuditEntry.action == "recovery.used")
