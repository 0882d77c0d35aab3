"""Every response's headers, the language switcher, health and error pages."""

from __future__ import annotations

import pytest

from shell.identity.tables import Account
from tests.helpers.authenticator import SoftAuthenticator
from tests.helpers.flows import csrf_headers, prime, signup


async def test_security_headers_and_a_fresh_nonce_each_time(client, districts):
    first = await client.get("/signup")
    second = await client.get("/signup")
    for response in (first, second):
        csp = response.headers["content-security-policy"]
        assert "frame-ancestors 'none'" in csp
        assert "script-src 'self' 'nonce-" in csp
        assert "unsafe-inline" not in csp
        assert response.headers["x-content-type-options"] == "nosniff"
        assert response.headers["referrer-policy"] == "strict-origin-when-cross-origin"
        assert "camera=" in response.headers["permissions-policy"]
        assert response.headers["vary"] == "HX-Request"
    nonce = first.headers["content-security-policy"].split("'nonce-")[1].split("'")[0]
    assert nonce not in second.headers["content-security-policy"]
    assert f'nonce="{nonce}"' in first.text
    assert "<script>" not in first.text  # no inline script anywhere


async def test_session_and_csrf_cookies_are_host_only_and_http_only(client, districts):
    await signup(client, SoftAuthenticator())
    cookies = {c.name: c for c in client.cookies.jar}
    session = cookies["__Host-machi_session"]
    assert session.secure
    assert session.path == "/"
    assert session.has_nonstandard_attr("HttpOnly")
    assert "__Host-machi_csrf" in cookies


async def test_htmx_request_gets_only_the_block(client, districts):
    page = await client.get("/recover")
    fragment = await client.get("/recover", headers={"HX-Request": "true"})
    assert "<html" in page.text
    assert "<html" not in fragment.text
    assert 'id="recover-step"' in fragment.text


async def test_health_check_reports_database_and_version(client, db):
    response = await client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "version": "0.1.0"}


async def test_switching_to_english_sticks_in_a_cookie_and_the_account(client, districts):
    await signup(client, SoftAuthenticator())
    await prime(client, "/language")
    response = await client.post(
        "/language", data={"language": "en", "next": "/account"}, headers=csrf_headers(client)
    )
    assert response.status_code in (302, 303)
    assert response.headers["location"] == "/account"
    account = await Account.select().first()
    assert account["language"] == "en"
    page = await client.get("/account")
    assert '<html lang="en" ' in page.text


async def test_unknown_language_is_refused_and_nothing_changes(client, districts):
    await prime(client, "/language")
    response = await client.post(
        "/language", data={"language": "tlh"}, headers=csrf_headers(client)
    )
    assert response.status_code == 400
    assert "言語を一覧から選んでください" in response.text
    assert "machi_lang" not in client.cookies


@pytest.mark.parametrize("target", ["//evil.example/", "/\\evil.example", "https://evil.example"])
async def test_next_cannot_send_people_off_site(client, districts, target):
    await prime(client, "/language")
    response = await client.post(
        "/language",
        data={"language": "ja", "next": target},
        headers=csrf_headers(client),
    )
    assert response.headers["location"] == "/"


async def test_not_found_page_is_in_the_users_language(client, db):
    ja = await client.get("/no-such-page")
    assert ja.status_code == 404
    assert "ページが見つかりません" in ja.text
    en = await client.get("/no-such-page", headers={"accept-language": "en"})
    assert '<html lang="en" ' in en.text


async def test_browsers_on_a_loopback_ip_are_sent_to_the_passkey_host(app, db):
    import httpx

    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://127.0.0.1:8000"
    ) as raw:
        page = await raw.get("/signup?x=1", headers={"accept": "text/html"})
        assert page.status_code == 307
        assert page.headers["location"] == "https://localhost/signup?x=1"
        health = await raw.get("/healthz")
        assert health.status_code == 200


async def test_sign_up_is_rate_limited(db, districts, settings):
    import dataclasses

    from shell.app import create_app
    from tests.conftest import make_client

    app = create_app(dataclasses.replace(settings, auth_rate_limit=3))
    async with make_client(app) as client:
        statuses = [(await client.get("/signup")).status_code for _ in range(5)]
    assert statuses[:3] == [200, 200, 200]
    assert statuses[3:] == [429, 429]


async def test_a_session_id_planted_before_sign_in_is_not_the_signed_in_one(client, districts):
    """Session fixation: sign-in moves the session to a fresh id and drops the planted one."""
    from shell.identity.tables import WebSession

    await prime(client)
    client.cookies.set("__Host-machi_session", "planted-by-attacker", domain="localhost")
    await signup(client, SoftAuthenticator())
    cookie = next(c for c in client.cookies.jar if c.name == "__Host-machi_session")
    assert cookie.value != "planted-by-attacker"
    assert not await WebSession.exists().where(WebSession.key == "planted-by-attacker")
    assert "こんにちは" in (await client.get("/")).text
