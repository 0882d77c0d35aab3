"""The portal's and review's verbs: what they save, what they refuse, what they audit."""

from __future__ import annotations

import datetime as dt

import pytest

from shell.audit.tables import AuditEntry
from shell.developer import actions
from shell.developer.actions import FormInvalid
from shell.developer.tables import PartnerApp
from shell.identity.actions import ActionRefused
from shell.identity.tables import Account
from tests.helpers.partner import manifest, partner_site

SHELL = "https://localhost"


@pytest.fixture(name="owner")
async def fx_owner(db, districts):
    district = next(d for d in districts if d["code"] == "takeo")
    account = Account(name="商店 主", name_kana="しょうてん あるじ", birth_date=dt.date(1970, 1, 1),
                      district=district["id"], webauthn_user_id="owner")  # fmt: skip
    await account.save()
    return account.id


async def _registered(owner: int, origin: str = "https://stamp.example.jp") -> str:
    row = await actions.register(owner, manifest(), origin, "", reserved=set())
    return row["slug"]


async def test_an_invalid_form_saves_nothing_and_names_each_field(owner):
    with pytest.raises(FormInvalid) as caught:
        await actions.register(owner, 'id = "X"', "http://shop.example.jp", "ftp://x", reserved=())
    assert set(caught.value.form.errors) == {"manifest", "origin", "webhook_url"}
    assert len(caught.value.form.errors["manifest"]) > 3
    assert await PartnerApp.count() == 0
    assert await AuditEntry.count() == 0


async def test_the_id_must_be_free_among_partner_and_first_party_apps(owner):
    await _registered(owner)
    with pytest.raises(FormInvalid) as caught:
        await actions.register(owner, manifest(), "https://other.example.jp", "", reserved=())
    assert "ほかのアプリが使っています" in caught.value.form.errors["manifest"][-1]
    with pytest.raises(FormInvalid):
        await actions.register(owner, manifest("hello"), "https://h.example.jp", "",
                               reserved={"hello"})  # fmt: skip
    assert await PartnerApp.count() == 1
    assert await AuditEntry.exists().where(AuditEntry.action == "developer.app_registered")


async def test_only_drafts_and_rejected_apps_can_be_edited_and_the_id_stays(owner):
    slug = await _registered(owner)
    with pytest.raises(FormInvalid) as caught:
        await actions.edit(owner, slug, manifest("other"), "https://stamp.example.jp", "")
    assert "id は「stamp」のまま" in caught.value.form.errors["manifest"][0]
    await actions.edit(
        owner, slug, manifest(), "https://stamp2.example.jp", "https://h.example.jp/w"
    )
    assert (await PartnerApp.select(PartnerApp.origin).first())["origin"] == (
        "https://stamp2.example.jp"
    )
    with pytest.raises(ActionRefused):
        await actions.edit(owner + 1, slug, manifest(), "https://stamp.example.jp", "")
    await PartnerApp.update({PartnerApp.status: "submitted"}, force=True)
    with pytest.raises(ActionRefused) as refused:
        await actions.edit(owner, slug, manifest(), "https://stamp.example.jp", "")
    assert refused.value.reason == "not_editable"


async def test_review_decisions(owner):
    with partner_site(f"frame-ancestors {SHELL}") as origin:
        slug = await _registered(owner, origin)
        results = await actions.submit(owner, slug, shell_url=SHELL)
    assert all(r["passed"] for r in results)
    with pytest.raises(ActionRefused) as refused:
        await actions.reject(owner, slug, "  ")
    assert refused.value.reason == "reason_required"
    with pytest.raises(ActionRefused):
        await actions.suspend(owner, slug)  # not approved yet
    await actions.approve(owner, slug)
    await actions.suspend(owner, slug, "苦情が多いため")
    row = await PartnerApp.select().first()
    assert (row["status"], row["reason"]) == ("suspended", "苦情が多いため")
    assert row["reviewed_by"] == owner
    audited = {r["action"] for r in await AuditEntry.select(AuditEntry.action)}
    assert {"developer.app_submitted", "review.app_approved", "review.app_suspended"} <= audited


async def test_an_app_whose_checks_fail_cannot_be_approved(owner):
    with partner_site("frame-ancestors 'none'") as origin:
        slug = await _registered(owner, origin)
        results = await actions.submit(owner, slug, shell_url=SHELL)
    assert [r["passed"] for r in results] == [True, False, True]
    with pytest.raises(ActionRefused) as refused:
        await actions.approve(owner, slug)
    assert refused.value.reason == "checks_failed"
    await actions.reject(owner, slug, "frame-ancestors を直してください")
    # Rejected: the developer fixes it and submits again.
    with partner_site(f"frame-ancestors {SHELL}") as fixed:
        await actions.edit(owner, slug, manifest(), fixed, "")
        await actions.submit(owner, slug, shell_url=SHELL)
    await actions.approve(owner, slug)
    assert (await PartnerApp.select(PartnerApp.status).first())["status"] == "approved"
