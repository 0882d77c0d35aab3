"""The developer portal and the review queue over HTTP, through to what a resident sees."""

from __future__ import annotations

import dataclasses

import pytest

from shell.app import create_app
from shell.audit.tables import AuditEntry
from shell.developer.tables import PartnerApp
from shell.miniapp_host import keys
from tests.conftest import make_client
from tests.helpers.authenticator import SoftAuthenticator
from tests.helpers.flows import csrf_headers, prime, signup
from tests.helpers.partner import manifest, partner_site
from tests.shell.staff.test_routes import staff_member

PARTNER = {"name": "商店 主", "name_kana": "しょうてん あるじ"}
SHELL = "https://localhost"  # the test settings' public_url


@pytest.fixture(name="app")
def fx_app(db, settings):
    """The shell hosting the first-party example app ``hello`` too."""
    keys.forget_cached_key()
    return create_app(dataclasses.replace(settings, miniapps=("sdk/examples/hello",)))


async def _register(client, text: str, origin: str, webhook: str = ""):
    await prime(client, "/developer/new")
    return await client.post(
        "/developer/new",
        headers=csrf_headers(client),
        data={"manifest": text, "origin": origin, "webhook_url": webhook},
    )


async def test_an_invalid_manifest_shows_every_problem_and_saves_nothing(client, districts):
    await signup(client, SoftAuthenticator(), **PARTNER)
    response = await _register(client, 'id = "Stamp"\nversion = "x"', "http://shop.example.jp")
    assert response.status_code == 400
    assert 'data-testid="manifest-problems"' in response.text
    assert "「publisher」がありません" in response.text
    assert "version「x」は 1.2.3 の形にしてください" in response.text
    assert 'aria-describedby="f-origin-hint f-origin-error"' in response.text
    assert "http:// は *.localhost" in response.text
    assert "id = &#34;Stamp&#34;" in response.text  # what was typed is kept
    assert await PartnerApp.count() == 0


async def test_ids_of_partner_and_first_party_apps_are_refused(client, districts):
    await signup(client, SoftAuthenticator(), **PARTNER)
    first_party = await _register(client, manifest("hello"), "https://hello.example.jp")
    assert first_party.status_code == 400
    assert "id「hello」は、ほかのアプリが使っています" in first_party.text
    made = await _register(client, manifest(), "https://stamp.example.jp")
    assert made.status_code == 303
    assert made.headers["location"] == "/developer/apps/stamp?registered=1"
    again = await _register(client, manifest(), "https://stamp2.example.jp")
    assert "id「stamp」は、ほかのアプリが使っています" in again.text
    assert await PartnerApp.count() == 1
    portal = await client.get("/developer")
    assert 'data-testid="status-stamp"' in portal.text
    assert "下書き" in portal.text


async def test_someone_elses_app_is_not_found(app, client, districts):
    await signup(client, SoftAuthenticator(), **PARTNER)
    await _register(client, manifest(), "https://stamp.example.jp")
    async with make_client(app) as other:
        await signup(other, SoftAuthenticator())
        assert (await other.get("/developer/apps/stamp")).status_code == 404
        await prime(other, "/developer")
        submit = await other.post("/developer/apps/stamp/submit", headers=csrf_headers(other))
        assert submit.status_code == 404


async def test_submit_approve_launch_then_suspend(app, client, districts):
    await signup(client, SoftAuthenticator(), **PARTNER)
    with partner_site(f"default-src 'self'; frame-ancestors {SHELL}") as origin:
        await _register(client, manifest(), origin, "http://partner.localhost/webhook")
        submitted = await client.post("/developer/apps/stamp/submit", headers=csrf_headers(client))
        assert "審査に出しました" in submitted.text
        assert submitted.text.count('data-passed="yes"') == 3
        # Submitted: no more edits.
        edit = await client.post("/developer/apps/stamp", headers=csrf_headers(client),
                                 data={"manifest": manifest(), "origin": origin})  # fmt: skip
        assert edit.status_code == 409

        async with make_client(app) as resident:
            await signup(resident, SoftAuthenticator())
            assert (await resident.get("/staff/review")).status_code == 403
            assert 'data-testid="tile-stamp"' not in (await resident.get("/")).text
            assert (await resident.get("/apps/stamp")).status_code == 404

            async with staff_member(app, "reviewer") as (reviewer, reviewer_account):
                console = await reviewer.get("/staff")
                assert 'href="/staff/review"' in console.text
                queue = await reviewer.get("/staff/review")
                assert 'data-testid="review-stamp"' in queue.text
                await prime(reviewer, "/staff/review/stamp")
                rerun = await reviewer.post("/staff/review/stamp/checks",
                                            headers=csrf_headers(reviewer))  # fmt: skip
                assert rerun.text.count('data-passed="yes"') == 3
                approved = await reviewer.post("/staff/review/stamp/approve",
                                               headers=csrf_headers(reviewer))  # fmt: skip
                assert "承認しました" in approved.text

                home = await resident.get("/")
                assert 'data-testid="tile-stamp"' in home.text
                assert origin in home.headers["content-security-policy"]
                sheet = await resident.get("/apps/stamp")
                assert 'data-testid="consent-sheet"' in sheet.text
                assert "武雄スタンプ商店" in sheet.text
                await resident.post("/apps/stamp/consent", headers=csrf_headers(resident))
                launch = await resident.get("/apps/stamp")
                assert f'src="{origin}/"' in launch.text
                token = await resident.post("/apps/stamp/token", headers=csrf_headers(resident))
                assert token.status_code == 200

                suspended = await reviewer.post("/staff/review/stamp/suspend",
                                                headers=csrf_headers(reviewer),
                                                data={"reason": "苦情が多いため"})  # fmt: skip
                assert "停止しました" in suspended.text
                # At once: no launch, no token, no tile.
                assert (await resident.get("/apps/stamp")).status_code == 404
                refused = await resident.post("/apps/stamp/token", headers=csrf_headers(resident))
                assert refused.status_code == 403
                assert 'data-testid="tile-stamp"' not in (await resident.get("/")).text

    mine = await client.get("/developer/apps/stamp")
    assert "停止中" in mine.text
    assert "苦情が多いため" in mine.text
    audited = {
        row["action"]
        for row in await AuditEntry.select(AuditEntry.action).where(
            AuditEntry.actor == reviewer_account["id"]
        )
    }
    assert {"review.checks_run", "review.app_approved", "review.app_suspended"} <= audited


async def test_a_failing_check_blocks_approval_and_rejection_needs_a_reason(app, client, districts):
    await signup(client, SoftAuthenticator(), **PARTNER)
    with partner_site("frame-ancestors https://elsewhere.example") as origin:
        await _register(client, manifest(), origin)
        submitted = await client.post("/developer/apps/stamp/submit", headers=csrf_headers(client))
    assert 'data-testid="check-frame_ancestors" data-passed="no"' in submitted.text
    assert "https://localhost が含まれていません" in submitted.text
    async with staff_member(app, "reviewer") as (reviewer, _account):
        await prime(reviewer, "/staff/review/stamp")
        headers = csrf_headers(reviewer)
        approve = await reviewer.post("/staff/review/stamp/approve", headers=headers)
        assert approve.status_code == 400
        assert "自動チェックがすべて通るまで承認できません" in approve.text
        bare = await reviewer.post("/staff/review/stamp/reject", headers=headers, data={})
        assert bare.status_code == 400
        assert "差し戻す理由を書いてください" in bare.text
        reason = {"reason": "frame-ancestors を直してください"}
        rejected = await reviewer.post("/staff/review/stamp/reject", headers=headers, data=reason)
        assert "差し戻しました" in rejected.text
    mine = await client.get("/developer/apps/stamp")
    assert "差し戻し" in mine.text
    assert "frame-ancestors を直してください" in mine.text
    assert 'data-testid="app-submit"' in mine.text  # it can be fixed and submitted again


async def test_the_partner_gets_and_rotates_credentials_in_the_portal(app, client, districts):
    import re

    from shell.platform_api.auth import authenticate_app

    await signup(client, SoftAuthenticator(), **PARTNER)
    await _register(client, manifest(), "https://stamp.example.jp")
    first = await client.post("/developer/apps/stamp/credentials", headers=csrf_headers(client))
    assert first.status_code == 200
    client_id = re.search(r'data-testid="client-id">([^<]+)<', first.text)[1]
    secret = re.search(r'data-testid="client-secret">([^<]+)<', first.text)[1]
    import base64

    basic = "Basic " + base64.b64encode(f"{client_id}:{secret}".encode()).decode()
    assert await authenticate_app(basic, "test-secret-key") == "stamp"
    # Shown once: the page never shows the secret again.
    assert secret not in (await client.get("/developer/apps/stamp")).text
    await client.post("/developer/apps/stamp/credentials", headers=csrf_headers(client))
    from shell.platform_api.errors import Refused

    with pytest.raises(Refused):
        await authenticate_app(basic, "test-secret-key")  # the old pair stopped working
    async with make_client(app) as other:
        await signup(other, SoftAuthenticator())
        await prime(other, "/developer")
        stolen = await other.post("/developer/apps/stamp/credentials", headers=csrf_headers(other))
        assert stolen.status_code == 404
