"""Furigana, text size and contrast: chosen once, kept on the account (a cookie before signing
in), applied to every page."""

from __future__ import annotations

from shell.identity.tables import Account
from tests.helpers.authenticator import SoftAuthenticator
from tests.helpers.flows import csrf_headers, prime, signup

CHOICE = {"furigana": "1", "text_size": "large", "contrast": "high", "next": "/account"}


async def test_reading_aids_are_kept_on_the_account_and_applied(client, districts):
    await signup(client, SoftAuthenticator())
    await prime(client, "/language")
    response = await client.post("/display", data=CHOICE, headers=csrf_headers(client))
    assert response.status_code in (302, 303)
    assert response.headers["location"] == "/account"
    account = await Account.select().first()
    assert (account["furigana"], account["text_size"], account["contrast"]) == (
        True,
        "large",
        "high",
    )
    client.cookies.delete("machi_display")
    page = await client.get("/account")
    assert 'data-text-size="large" data-contrast="high"' in page.text
    assert "<ruby>" in page.text
    assert "<rt>" in page.text
    english = await client.post(
        "/language", data={"language": "en", "next": "/account"}, headers=csrf_headers(client)
    )
    assert english.status_code in (302, 303)
    page = await client.get("/account")
    assert "<ruby>" not in page.text  # furigana is for Japanese pages


async def test_before_signing_in_a_cookie_keeps_them_and_bad_values_fall_back(client, districts):
    await prime(client, "/language")
    await client.post(
        "/display",
        data={"text_size": "gigantic", "contrast": "high", "furigana": "0"},
        headers=csrf_headers(client),
    )
    page = await client.get("/language")
    assert 'data-contrast="high"' in page.text
    assert "data-text-size" not in page.text
    assert "<ruby>" not in page.text
