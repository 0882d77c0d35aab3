"""Identity providers: the OpenID Connect client against a fake provider, and the local one
through the shell's routes."""

from __future__ import annotations

import datetime as dt
import json
import re
import time
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from shell.resident_id.provider import OpenIDConnectProvider, ProviderError
from shell.resident_id.sdjwt import b64u
from shell.resident_id.tables import Verification
from tests.helpers.authenticator import SoftAuthenticator
from tests.helpers.flows import csrf_headers, signup

ISSUER = "https://jpki.example"
CALLBACK = "https://localhost/id/provider/callback"


def _b64json(value) -> str:
    return b64u(json.dumps(value).encode())


def ed25519_token(key, claims, kid="k1") -> str:
    head = _b64json({"alg": "EdDSA", "kid": kid})
    body = _b64json(claims)
    return f"{head}.{body}.{b64u(key.sign(f'{head}.{body}'.encode()))}"


def rs256_token(key, claims, kid="r1") -> str:
    head = _b64json({"alg": "RS256", "kid": kid})
    body = _b64json(claims)
    sig = key.sign(f"{head}.{body}".encode(), padding.PKCS1v15(), hashes.SHA256())
    return f"{head}.{body}.{b64u(sig)}"


def jwks_of(ed, rsa_key) -> dict:
    numbers = rsa_key.public_key().public_numbers()
    x = ed.public_key().public_bytes_raw()
    return {
        "keys": [
            {"kty": "OKP", "crv": "Ed25519", "kid": "k1", "x": b64u(x)},
            {
                "kty": "RSA",
                "kid": "r1",
                "n": b64u(numbers.n.to_bytes(256, "big")),
                "e": b64u(numbers.e.to_bytes(3, "big")),
            },
        ]
    }


def claims(**changes):
    base = {
        "iss": ISSUER,
        "aud": "machi",
        "exp": int(time.time()) + 300,
        "nonce": "n-1",
        "name": "武雄 花子",
        "birthdate": "1950-04-01",
        "sub": "pairwise-abc",
    }
    base.update(changes)
    return base


def provider(id_token: str, jwks: dict) -> OpenIDConnectProvider:
    def answer(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/token":
            assert b"code=the-code" in request.content
            return httpx.Response(200, json={"id_token": id_token, "token_type": "Bearer"})
        return httpx.Response(200, json=jwks)

    return OpenIDConnectProvider(
        name="jpki",
        issuer=ISSUER,
        authorization_endpoint=f"{ISSUER}/authorize",
        token_endpoint=f"{ISSUER}/token",
        jwks_uri=f"{ISSUER}/jwks",
        client_id="machi",
        client_secret="s3cret",
        transport=httpx.MockTransport(answer),
    )


@pytest.fixture(name="keys")
def fx_keys():
    return Ed25519PrivateKey.generate(), rsa.generate_private_key(65537, 2048)


async def test_oidc_provider_accepts_a_good_id_token(keys):
    ed, rsa_key = keys
    for token in (ed25519_token(ed, claims()), rs256_token(rsa_key, claims())):
        who = await provider(token, jwks_of(ed, rsa_key)).complete(
            code="the-code", nonce="n-1", redirect_uri=CALLBACK
        )
        assert (who.name, who.birthdate) == ("武雄 花子", dt.date(1950, 4, 1))


def test_oidc_authorization_url_carries_state_and_nonce(keys):
    url = provider("", {}).authorization_url(state="s", nonce="n", redirect_uri=CALLBACK)
    query = parse_qs(urlsplit(url).query)
    assert query["state"] == ["s"]
    assert query["nonce"] == ["n"]
    assert query["scope"] == ["openid profile address"]
    assert query["redirect_uri"] == [CALLBACK]


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({"nonce": "replayed"}, "nonce"),
        ({"aud": "someone-else"}, "audience"),
        ({"iss": "https://evil.example"}, "audience"),
        ({"exp": int(time.time()) - 3600}, "expired"),
        ({"birthdate": "not a date"}, "claims"),
    ],
)
async def test_oidc_provider_refuses_bad_id_tokens(keys, changes, reason):
    ed, rsa_key = keys
    with pytest.raises(ProviderError) as caught:
        await provider(ed25519_token(ed, claims(**changes)), jwks_of(ed, rsa_key)).complete(
            code="the-code", nonce="n-1", redirect_uri=CALLBACK
        )
    assert caught.value.reason == reason


async def test_oidc_provider_refuses_a_token_signed_by_another_key(keys):
    ed, rsa_key = keys
    forged = ed25519_token(Ed25519PrivateKey.generate(), claims())
    with pytest.raises(ProviderError) as caught:
        await provider(forged, jwks_of(ed, rsa_key)).complete(
            code="the-code", nonce="n-1", redirect_uri=CALLBACK
        )
    assert caught.value.reason == "signature"


async def _start(client):
    start = await client.get("/id/provider")
    assert start.status_code in (302, 303)
    page = await client.get(start.headers["location"])
    assert page.status_code == 200
    state = re.search(r'name="state" value="([^"]+)"', page.text).group(1)
    nonce = re.search(r'name="nonce" value="([^"]+)"', page.text).group(1)
    return state, nonce


async def test_local_provider_verifies_the_signed_in_resident(client, districts):
    await signup(client, SoftAuthenticator())
    state, nonce = await _start(client)
    confirmed = await client.post(
        "/id/provider/local", data={"state": state, "nonce": nonce}, headers=csrf_headers(client)
    )
    callback = await client.get(confirmed.headers["location"])
    assert callback.headers["location"] == "/id?notice=verified"
    row = await Verification.select().first()
    assert (row["method"], row["document_type"]) == ("oidc", "local")
    assert "本人確認が済みました" in (await client.get("/id?notice=verified")).text


async def test_local_provider_tampered_code_or_state_changes_nothing(client, districts):
    await signup(client, SoftAuthenticator())
    state, nonce = await _start(client)
    confirmed = await client.post(
        "/id/provider/local", data={"state": state, "nonce": nonce}, headers=csrf_headers(client)
    )
    query = parse_qs(urlsplit(confirmed.headers["location"]).query)
    code = query["code"][0]
    mac = code.partition(".")[2]
    forged = b64u(
        json.dumps(
            {
                "name": "別人",
                "birthdate": "1950-04-01",
                "nonce": nonce,
                "aud": CALLBACK,
                "exp": int(time.time()) + 60,
            }
        ).encode()
    )
    bad = await client.get(
        "/id/provider/callback", params={"code": f"{forged}.{mac}", "state": state}
    )
    assert bad.status_code == 400
    assert "本人確認サービスからの応答を確認できませんでした" in bad.text
    # The state is single use: the genuine code does not work after a failed attempt either.
    again = await client.get("/id/provider/callback", params={"code": code, "state": state})
    assert again.status_code == 400
    odd = await client.get("/id/provider/callback", params={"code": "ä.ö", "state": "状態"})
    assert odd.status_code == 400
    assert await Verification.count() == 0


async def test_discovery_reads_the_providers_configuration(keys):
    ed, rsa_key = keys
    config = {
        "issuer": ISSUER,
        "authorization_endpoint": f"{ISSUER}/authorize",
        "token_endpoint": f"{ISSUER}/token",
        "jwks_uri": f"{ISSUER}/jwks",
    }

    def answer(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/.well-known/openid-configuration":
            return httpx.Response(200, json=config)
        if request.url.path == "/token":
            return httpx.Response(200, json={"id_token": ed25519_token(ed, claims())})
        return httpx.Response(200, json=jwks_of(ed, rsa_key))

    found = await OpenIDConnectProvider.discover(
        ISSUER, client_id="machi", client_secret="s", transport=httpx.MockTransport(answer)
    )
    assert found.token_endpoint == f"{ISSUER}/token"
    who = await found.complete(code="c", nonce="n-1", redirect_uri=CALLBACK)
    assert who.name == "武雄 花子"
    config["issuer"] = "https://impostor.example"
    with pytest.raises(ProviderError) as caught:
        await OpenIDConnectProvider.discover(
            ISSUER, client_id="machi", client_secret="s", transport=httpx.MockTransport(answer)
        )
    assert caught.value.reason == "discovery"


async def test_unreachable_configured_provider_gets_a_clear_message(db, jobs, settings, districts):
    from dataclasses import replace

    from shell.app import create_app
    from tests.conftest import make_client

    app = create_app(replace(settings, oidc_issuer="http://127.0.0.1:9"))
    async with make_client(app) as client:
        await signup(client, SoftAuthenticator())
        response = await client.get("/id/provider")
        assert response.status_code == 400
        assert "本人確認サービスからの応答を確認できませんでした" in response.text
    assert await Verification.count() == 0
