"""auth.py: launch tokens are accepted only when every check passes; each tampering is refused."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time

import httpx
import jwt
import pytest
from machi_sdk.auth import REQUIRED_CLAIMS, RemoteJWKS, StaticKeys, TokenError, TokenVerifier
from machi_sdk.testing import FakeShell

ISSUER = "http://localhost:8000"


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def forge(header: dict, payload: dict, signature: bytes = b"") -> str:
    head = b64(json.dumps(header).encode())
    body = b64(json.dumps(payload).encode())
    return f"{head}.{body}.{b64(signature)}"


def claims_of(token: str) -> dict:
    return jwt.decode(token, options={"verify_signature": False})


@pytest.fixture(name="shell")
def fx_shell() -> FakeShell:
    return FakeShell(ISSUER)


@pytest.fixture(name="verifier")
def fx_verifier(shell: FakeShell) -> TokenVerifier:
    return TokenVerifier(ISSUER, "hello", shell.keys())


def signed(shell: FakeShell, **changes) -> str:
    """A token from ``shell`` with claims replaced verbatim (no help from FakeShell.token)."""
    payload = {**claims_of(shell.token("hello")), **changes}
    header = {"kid": shell.kid, "typ": "JWT"}
    return jwt.encode(payload, shell.private_key, algorithm="EdDSA", headers=header)


def refused(verifier: TokenVerifier, token: str) -> str:
    with pytest.raises(TokenError) as caught:
        verifier.verify(token)
    return caught.value.reason


def test_a_good_token_gives_the_resident(shell, verifier):
    token = shell.token(
        "hello",
        sub="pairwise-123",
        scopes=["profile.name", "notify"],
        claims={"profile.name": "山田 花子"},
        locale="en",
        roles=["clerk"],
    )
    resident = verifier.verify(token)
    assert resident.id == "pairwise-123"
    assert resident.scopes == frozenset({"profile.name", "notify"})
    assert resident.claim("profile.name") == "山田 花子"
    assert resident.claim("profile.district", "-") == "-"
    assert resident.has("notify")
    assert not resident.has("storage")
    assert resident.locale == "en"
    assert resident.has_role("clerk")
    assert resident.app_id == "hello"
    assert resident.token == token
    assert resident.expires_at == claims_of(token)["exp"]
    assert "token" not in repr(resident)
    assert token not in repr(resident)


async def test_averify_gives_the_same_resident(shell, verifier):
    token = shell.token("hello", scopes=["notify"])
    assert await verifier.averify(token) == verifier.verify(token)


def test_a_wrong_signature_is_refused(shell, verifier):
    impostor = FakeShell(ISSUER, kid=shell.kid)  # same kid, another private key
    assert refused(verifier, impostor.token("hello")) == "bad_signature"


def test_a_changed_payload_breaks_the_signature(shell, verifier):
    head, _, signature = shell.token("hello", scopes=["profile.name"]).split(".")
    payload = claims_of(shell.token("hello", scopes=["profile.name", "wallet.pay"]))
    tampered = f"{head}.{b64(json.dumps(payload).encode())}.{signature}"
    assert refused(verifier, tampered) == "bad_signature"


def test_alg_none_is_refused(shell, verifier):
    payload = claims_of(shell.token("hello"))
    token = forge({"alg": "none", "kid": shell.kid, "typ": "JWT"}, payload)
    assert refused(verifier, token) == "bad_algorithm"


@pytest.mark.parametrize("secret_form", ["x", "raw", "jwk-json"])
def test_hs256_with_the_public_key_as_secret_is_refused(shell, verifier, secret_form):
    jwk = shell.jwks()["keys"][0]
    secret = {
        "x": jwk["x"].encode(),
        "raw": base64.urlsafe_b64decode(jwk["x"] + "=="),
        "jwk-json": json.dumps(jwk).encode(),
    }[secret_form]
    header = {"alg": "HS256", "kid": shell.kid, "typ": "JWT"}
    payload = claims_of(shell.token("hello", scopes=["wallet.pay"]))
    head = b64(json.dumps(header).encode())
    body = b64(json.dumps(payload).encode())
    mac = hmac.new(secret, f"{head}.{body}".encode(), hashlib.sha256).digest()
    assert refused(verifier, f"{head}.{body}.{b64(mac)}") == "bad_algorithm"


def test_another_apps_token_is_refused(shell, verifier):
    assert refused(verifier, shell.token("other-app")) == "wrong_audience"


def test_a_list_audience_is_refused(shell, verifier):
    assert refused(verifier, shell.token("hello", aud=["hello", "other"])) == "wrong_audience"


def test_another_issuer_is_refused(verifier):
    elsewhere = FakeShell("https://evil.example")
    verifier.keys.update(elsewhere.jwks())  # even with the right key, the issuer must match
    assert refused(verifier, elsewhere.token("hello")) == "wrong_issuer"


def test_an_expired_token_is_refused(shell, verifier):
    now = int(time.time())
    assert refused(verifier, shell.token("hello", iat=now - 400, exp=now - 31)) == "expired"


def test_clock_skew_up_to_30_seconds_is_tolerated(shell, verifier):
    now = int(time.time())
    verifier.verify(shell.token("hello", iat=now - 300, exp=now - 20))
    verifier.verify(shell.token("hello", iat=now + 20, exp=now + 320))


def test_a_token_from_the_future_is_refused(shell, verifier):
    now = int(time.time())
    assert refused(verifier, shell.token("hello", iat=now + 60, exp=now + 360)) == "not_yet_valid"


def test_a_token_living_too_long_is_refused(shell, verifier):
    assert refused(verifier, shell.token("hello", ttl=86400)) == "bad_claim"


def test_an_unknown_kid_is_refused(shell, verifier):
    assert refused(verifier, shell.token("hello", headers={"kid": "rotated-away"})) == "unknown_kid"


@pytest.mark.parametrize(
    ("header", "reason"),
    [
        ({"alg": "EdDSA", "typ": "JWT"}, "bad_header"),
        ({"alg": "EdDSA", "kid": "", "typ": "JWT"}, "bad_header"),
        ({"alg": "EdDSA", "kid": "k", "typ": "JOSE+JSON"}, "bad_header"),
        ({"alg": "ES256", "kid": "k", "typ": "JWT"}, "bad_algorithm"),
        ({"alg": "RS256", "kid": "k", "typ": "JWT"}, "bad_algorithm"),
    ],
)
def test_bad_headers_are_refused(shell, verifier, header, reason):
    assert refused(verifier, forge(header, claims_of(shell.token("hello")), b"x" * 64)) == reason


@pytest.mark.parametrize("claim", REQUIRED_CLAIMS)
def test_every_claim_is_required(shell, verifier, claim):
    payload = claims_of(shell.token("hello"))
    del payload[claim]
    token = jwt.encode(
        payload, shell.private_key, algorithm="EdDSA", headers={"kid": shell.kid, "typ": "JWT"}
    )
    assert refused(verifier, token) in (
        "missing_claim",
        "wrong_audience",  # PyJWT reports a missing aud as an audience problem
    )


@pytest.mark.parametrize(
    "overrides",
    [
        {"sub": ""},
        {"sub": 42},
        {"scope": ["notify"]},
        {"claims": ["profile.name"]},
        {"claims": {"profile.district": "北区"}},  # a claim whose scope was not granted
        {"claims": {"favourite.colour": "blue"}, "scope": "favourite.colour"},
        {"locale": "Japanese please"},
        {"roles": "admin"},
        {"roles": [1]},
        {"jti": 7},
    ],
)
def test_malformed_claims_are_refused(shell, verifier, overrides):
    assert refused(verifier, signed(shell, **overrides)) == "bad_claim"


@pytest.mark.parametrize(
    "token", ["", "abc", "a.b", "a.b.c", "...", "x" * 9000, "e30.e30.", "bnVsbA.e30.e30"]
)
def test_garbage_is_malformed(verifier, token):
    assert refused(verifier, token) in ("missing", "malformed", "bad_algorithm")


def test_static_keys_take_only_ed25519_public_signing_keys(shell):
    good = shell.jwks()["keys"][0]
    for bad in [
        {**good, "kty": "RSA"},
        {**good, "crv": "X25519"},
        {**good, "alg": "HS256"},
        {**good, "use": "enc"},
        {**good, "d": "c2VjcmV0"},
        {k: v for k, v in good.items() if k != "kid"},
    ]:
        with pytest.raises(ValueError):
            StaticKeys({"keys": [bad]})
    with pytest.raises(ValueError):
        StaticKeys({})
    assert StaticKeys({"keys": [good]}).kids == (shell.kid,)


def test_static_keys_rotate(shell, verifier):
    newer = FakeShell(ISSUER)
    verifier.keys.update({"keys": shell.jwks()["keys"] + newer.jwks()["keys"]})
    verifier.verify(newer.token("hello"))
    verifier.verify(shell.token("hello"))
    verifier.keys.update(newer.jwks())
    assert refused(verifier, shell.token("hello")) == "unknown_kid"


def test_leeway_above_30_seconds_is_refused(shell):
    with pytest.raises(ValueError):
        TokenVerifier(ISSUER, "hello", shell.keys(), leeway=60)


class JWKSServer:
    """A stand-in JWKS endpoint counting requests."""

    def __init__(self, jwks: dict) -> None:
        self.jwks = jwks
        self.requests = 0
        self.fail = False

    def handler(self, request: httpx.Request) -> httpx.Response:
        self.requests += 1
        if self.fail:
            return httpx.Response(503)
        return httpx.Response(200, json=self.jwks)


async def test_remote_jwks_fetches_once_and_caches(shell):
    server = JWKSServer(shell.jwks())
    async with httpx.AsyncClient(transport=httpx.MockTransport(server.handler)) as client:
        keys = RemoteJWKS("https://shell.example/.well-known/jwks.json", client=client)
        verifier = TokenVerifier(ISSUER, "hello", keys)
        for _ in range(5):
            await verifier.averify(shell.token("hello"))
        assert server.requests == 1
        assert verifier.verify(shell.token("hello")).id == "resident-1"  # sync: from the cache


async def test_remote_jwks_refetches_an_unknown_kid_at_most_every_10_seconds(shell):
    server = JWKSServer(shell.jwks())
    async with httpx.AsyncClient(transport=httpx.MockTransport(server.handler)) as client:
        keys = RemoteJWKS("https://shell.example/jwks.json", client=client)
        verifier = TokenVerifier(ISSUER, "hello", keys)
        await verifier.averify(shell.token("hello"))
        rotated = FakeShell(ISSUER)
        server.jwks = {"keys": shell.jwks()["keys"] + rotated.jwks()["keys"]}
        with pytest.raises(TokenError, match="unknown_kid"):  # fetched less than 10 s ago
            await verifier.averify(rotated.token("hello"))
        assert server.requests == 1
        keys._tried_at -= 11  # ten seconds later
        await verifier.averify(rotated.token("hello"))
        assert server.requests == 2
        for _ in range(3):  # junk kids do not make it hammer the shell
            with pytest.raises(TokenError):
                await verifier.averify(shell.token("hello", headers={"kid": "junk"}))
        assert server.requests == 2


async def test_remote_jwks_keeps_its_keys_when_the_shell_is_down(shell):
    server = JWKSServer(shell.jwks())
    async with httpx.AsyncClient(transport=httpx.MockTransport(server.handler)) as client:
        keys = RemoteJWKS("https://shell.example/jwks.json", ttl=0, client=client)
        verifier = TokenVerifier(ISSUER, "hello", keys)
        await verifier.averify(shell.token("hello"))
        server.fail = True
        keys._tried_at -= 11
        await verifier.averify(shell.token("hello"))
        assert server.requests == 2


@pytest.mark.parametrize(
    ("url", "ok"),
    [
        ("https://shell.example/jwks.json", True),
        ("http://localhost:8000/.well-known/jwks.json", True),
        ("http://127.0.0.1:8000/jwks.json", True),
        ("http://shell.localhost/jwks.json", True),
        ("http://shell.example/jwks.json", False),
        ("file:///etc/passwd", False),
    ],
)
def test_remote_jwks_wants_https(url, ok):
    if ok:
        RemoteJWKS(url)
    else:
        with pytest.raises(ValueError):
            RemoteJWKS(url)


def test_a_verified_token_is_remembered_until_it_expires_and_no_longer(shell, monkeypatch):
    verifier = TokenVerifier(ISSUER, "hello", shell.keys(), leeway=0)
    token = shell.token("hello", scopes=["profile.name"], ttl=1)
    first = verifier.verify(token)
    calls = []
    original = verifier._decode
    monkeypatch.setattr(verifier, "_decode", lambda *a: calls.append(a) or original(*a))
    assert verifier.verify(token) is first  # the same launch: its signature was checked once
    assert calls == []
    # A changed token is another string: never answered from memory.
    assert refused(verifier, token[:-2] + ("AA" if not token.endswith("AA") else "BB")) in {
        "bad_signature",
        "malformed",
    }
    time.sleep(2.1)  # past its exp: checked again, and refused
    assert refused(verifier, token) == "expired"


def test_it_remembers_a_bounded_number_of_tokens(shell):
    verifier = TokenVerifier(shell.issuer, "hello", shell.keys(), remember=2)
    tokens = [shell.token("hello", sub=f"r{n}") for n in range(3)]
    for token in tokens:
        verifier.verify(token)
    assert list(verifier._verified) == tokens[1:]
