"""Sign-up, sign-in, passkeys and sign-out through HTTP with a software authenticator."""

from __future__ import annotations

import json

from shell.audit.tables import AuditEntry
from shell.identity.tables import Account, Challenge, Passkey
from tests.conftest import make_client
from tests.helpers.authenticator import SoftAuthenticator
from tests.helpers.flows import PROFILE, csrf_headers, prime, signin, signup


async def test_signup_creates_account_with_passkey_and_signs_in(client, districts):
    auth = SoftAuthenticator()
    result = await signup(client, auth)
    assert result == {"redirect": "/"}
    account = await Account.select().first()
    assert account["name"] == "武雄 花子"
    assert account["name_kana"] == "たけお はなこ"
    assert await Passkey.count() == 1
    home = await client.get("/")
    assert "こんにちは、武雄 花子さん" in home.text
    assert await AuditEntry.exists().where(AuditEntry.action == "account.created")


async def test_unknown_district_is_refused_with_message_and_changes_nothing(client, districts):
    await prime(client)
    response = await client.post(
        "/signup/options", json={**PROFILE, "district": "atlantis"}, headers=csrf_headers(client)
    )
    assert response.status_code == 422
    assert "お住まいの地区を一覧から選んでください" in response.json()["form_html"]
    assert await Challenge.count() == 0
    assert await Account.count() == 0


async def test_form_errors_come_in_english_for_english_browsers(client, districts):
    await prime(client)
    headers = {**csrf_headers(client), "accept-language": "en-US,en;q=0.9"}
    response = await client.post(
        "/signup/options", json={**PROFILE, "name_kana": "Hanako"}, headers=headers
    )
    assert response.status_code == 422
    assert "hiragana or katakana" in response.json()["form_html"]


async def test_replayed_registration_is_refused_and_creates_no_second_account(client, districts):
    auth = SoftAuthenticator()
    await prime(client)
    options = json.loads(
        (await client.post("/signup/options", json=PROFILE, headers=csrf_headers(client))).json()[
            "options"
        ]
    )
    credential = auth.create(options)
    first = await client.post(
        "/signup/finish", json={"credential": credential}, headers=csrf_headers(client)
    )
    assert first.status_code == 200
    replay = await client.post(
        "/signup/finish", json={"credential": credential}, headers=csrf_headers(client)
    )
    assert replay.status_code == 400
    assert "もう一度お試しください" in replay.json()["error"]
    assert await Account.count() == 1


async def test_registration_from_another_origin_is_refused(client, districts):
    auth = SoftAuthenticator()
    await prime(client)
    options = json.loads(
        (await client.post("/signup/options", json=PROFILE, headers=csrf_headers(client))).json()[
            "options"
        ]
    )
    credential = auth.create(options, origin="https://evil.example")
    response = await client.post(
        "/signup/finish", json={"credential": credential}, headers=csrf_headers(client)
    )
    assert response.status_code == 400
    assert await Account.count() == 0


async def test_registration_without_user_verification_is_refused(client, districts):
    auth = SoftAuthenticator(user_verified=False)
    await prime(client)
    options = json.loads(
        (await client.post("/signup/options", json=PROFILE, headers=csrf_headers(client))).json()[
            "options"
        ]
    )
    response = await client.post(
        "/signup/finish", json={"credential": auth.create(options)}, headers=csrf_headers(client)
    )
    assert response.status_code == 400
    assert await Account.count() == 0


async def test_sign_out_then_sign_in_with_passkey(client, districts):
    auth = SoftAuthenticator()
    await signup(client, auth)
    await client.post("/signout", headers=csrf_headers(client))
    assert "こんにちは" not in (await client.get("/")).text
    response = await signin(client, auth)
    assert response.status_code == 200, response.text
    assert response.json() == {"redirect": "/"}
    assert "こんにちは、武雄 花子さん" in (await client.get("/")).text
    passkey = await Passkey.select().first()
    assert passkey["sign_count"] == 1
    assert passkey["last_used_at"] is not None


async def test_sign_count_that_goes_back_is_refused(client, districts):
    auth = SoftAuthenticator()
    await signup(client, auth)
    await client.post("/signout", headers=csrf_headers(client))
    assert (await signin(client, auth, sign_count=5)).status_code == 200
    await client.post("/signout", headers=csrf_headers(client))
    cloned = await signin(client, auth, sign_count=3)
    assert cloned.status_code == 400
    assert "こんにちは" not in (await client.get("/")).text


async def test_unknown_passkey_gets_a_clear_message(client, districts):
    stranger = SoftAuthenticator()
    await prime(client, "/signin")
    options = json.loads(
        (await client.post("/signin/options", headers=csrf_headers(client))).json()["options"]
    )
    stranger.create(
        {"rp": {"id": "localhost"}, "user": {"id": "AAAA"}, "challenge": options["challenge"]}
    )
    response = await client.post(
        "/signin/finish", json={"credential": stranger.get(options)}, headers=csrf_headers(client)
    )
    assert response.status_code == 400
    assert "登録されていません" in response.json()["error"]


async def test_add_and_remove_passkeys_but_never_the_last(client, districts):
    phone, tablet = SoftAuthenticator(), SoftAuthenticator()
    await signup(client, phone)
    await prime(client, "/account")
    options = json.loads(
        (await client.post("/account/passkeys/options", headers=csrf_headers(client))).json()[
            "options"
        ]
    )
    assert len(options["excludeCredentials"]) == 1
    added = await client.post(
        "/account/passkeys/finish",
        json={"credential": tablet.create(options)},
        headers=csrf_headers(client),
    )
    assert added.status_code == 200, added.text
    ids = [row["id"] for row in await Passkey.select(Passkey.id).order_by(Passkey.id)]
    assert len(ids) == 2
    removed = await client.post(f"/account/passkeys/{ids[0]}/delete", headers=csrf_headers(client))
    assert removed.status_code == 200
    assert "パスキーを削除しました" in removed.text
    last = await client.post(f"/account/passkeys/{ids[1]}/delete", headers=csrf_headers(client))
    assert last.status_code == 400
    assert "最後のパスキーは削除できません" in last.text
    assert await Passkey.count() == 1
    # The removed passkey no longer signs in; the remaining one does.
    await client.post("/signout", headers=csrf_headers(client))
    assert (await signin(client, phone)).status_code == 400
    assert (await signin(client, tablet)).status_code == 200


async def test_cannot_remove_someone_elses_passkey(app, client, districts):
    await signup(client, SoftAuthenticator())
    async with make_client(app) as other:
        await signup(other, SoftAuthenticator(), name="山内 太郎", name_kana="やまうち たろう")
        victim = await Passkey.select(Passkey.id).order_by(Passkey.id).first()
        response = await other.post(
            f"/account/passkeys/{victim['id']}/delete", headers=csrf_headers(other)
        )
        assert response.status_code == 400
    assert await Passkey.count() == 2


async def test_sign_out_everywhere_ends_other_sessions(app, client, districts):
    auth = SoftAuthenticator()
    await signup(client, auth)
    async with make_client(app) as second_device:
        assert (await signin(second_device, auth)).status_code == 200
        assert "こんにちは" in (await second_device.get("/")).text
        await prime(client, "/account")
        done = await client.post("/account/signout-everywhere", headers=csrf_headers(client))
        assert done.status_code in (200, 302, 303)
        assert "こんにちは" not in (await second_device.get("/")).text
    assert "こんにちは" not in (await client.get("/")).text


async def test_forged_session_cookie_is_treated_as_signed_out(client, districts):
    await signup(client, SoftAuthenticator())
    cookie = next(c for c in client.cookies.jar if c.name.endswith("machi_session"))
    client.cookies.set(cookie.name, "forged-session-id", domain=cookie.domain, path=cookie.path)
    assert client.cookies.get(cookie.name) == "forged-session-id"
    response = await client.get("/account", follow_redirects=False)
    assert response.status_code in (302, 303, 307)
    assert response.headers["location"].startswith("/signin")


async def test_post_without_csrf_token_is_refused_in_the_users_language(client, districts):
    await signup(client, SoftAuthenticator())
    response = await client.post("/account/signout-everywhere", headers={"accept": "text/html"})
    assert response.status_code == 403
    assert "ページを再読み込み" in response.text
    assert "こんにちは" in (await client.get("/")).text


async def test_account_page_needs_sign_in(client):
    response = await client.get("/account", follow_redirects=False)
    assert response.status_code in (302, 303, 307)
    assert response.headers["location"] == "/signin?next=/account"
