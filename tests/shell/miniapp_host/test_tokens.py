"""Launch tokens: signed with the city's published key, pairwise, carrying only granted claims."""

from __future__ import annotations

import datetime as dt

import jwt
import pytest

from shell.miniapp_host import keys, tokens

ACCOUNT = {"id": 7, "name": "武雄 花子", "birth_date": dt.date(1950, 4, 1), "district": 1}
DISTRICT = {"name": "武雄町"}


@pytest.fixture(autouse=True)
def _fresh_key_cache():
    keys.forget_cached_key()
    yield
    keys.forget_cached_key()


async def _mint(app_id="hello", scopes=("profile.name",), **extra):
    claims = tokens.granted_claims(set(scopes), ACCOUNT, DISTRICT)
    return await tokens.mint(
        issuer="https://localhost", secret="s", app_id=app_id, account=ACCOUNT,
        scopes=list(scopes), claims=claims, locale="ja", roles=[], **extra,
    )  # fmt: skip


def _verify(token: str, jwks: dict, audience: str = "hello") -> dict:
    header = jwt.get_unverified_header(token)
    jwk = next(k for k in jwks["keys"] if k["kid"] == header["kid"])
    key = jwt.PyJWK(jwk).key
    return jwt.decode(
        token, key, algorithms=["EdDSA"], audience=audience, issuer="https://localhost"
    )


async def test_token_verifies_with_the_published_key_and_says_only_what_was_granted(db):
    token, expires_at = await _mint()
    claims = _verify(token, await keys.jwks())
    assert claims["claims"] == {"profile.name": "武雄 花子"}
    assert claims["scope"] == "profile.name"
    assert claims["exp"] == expires_at
    assert claims["exp"] - claims["iat"] == tokens.TOKEN_SECONDS
    assert "birth_date" not in str(claims)


async def test_a_token_for_one_app_is_refused_by_another(db):
    token, _ = await _mint(app_id="hello")
    with pytest.raises(jwt.InvalidAudienceError):
        _verify(token, await keys.jwks(), audience="stampcard")


async def test_pairwise_ids_differ_per_app_and_stay_stable():
    a = tokens.pairwise_id("secret", "hello", 7)
    assert a == tokens.pairwise_id("secret", "hello", 7)
    assert a != tokens.pairwise_id("secret", "stampcard", 7)
    assert a != tokens.pairwise_id("secret", "hello", 8)
    assert "7" not in a or len(a) > 10


def test_age_band_is_a_decade_never_the_birth_date():
    assert tokens.age_band(dt.date(1950, 4, 1), today=dt.date(2026, 3, 31)) == "70s"
    assert tokens.age_band(dt.date(1950, 4, 1), today=dt.date(2026, 4, 1)) == "70s"
    assert tokens.age_band(dt.date(2010, 1, 1), today=dt.date(2026, 1, 1)) == "10s"


async def test_rotation_keeps_old_tokens_verifiable_and_signs_with_the_new_key(db):
    old_token, _ = await _mint()
    old_kid = jwt.get_unverified_header(old_token)["kid"]
    new_key = await keys.rotate()
    new_token, _ = await _mint()
    assert jwt.get_unverified_header(new_token)["kid"] == new_key.kid != old_kid
    published = await keys.jwks()
    assert {k["kid"] for k in published["keys"]} >= {old_kid, new_key.kid}
    _verify(old_token, published)
    _verify(new_token, published)


async def test_jwks_publishes_no_private_material(db):
    await _mint()
    for jwk in (await keys.jwks())["keys"]:
        assert set(jwk) == {"kty", "crv", "x", "kid", "use", "alg"}


async def test_a_retired_key_stays_published_as_long_as_a_resident_id_credential_lives(db):
    from shell.miniapp_host.tables import SigningKey
    from shell.resident_id.actions import CREDENTIAL_DAYS

    old_token, _ = await _mint()
    old_kid = jwt.get_unverified_header(old_token)["kid"]
    await keys.rotate()
    keys.forget_cached_key()
    month_ago = dt.datetime.now(dt.UTC) - dt.timedelta(days=CREDENTIAL_DAYS)
    await SigningKey.update({SigningKey.retired_at: month_ago}).where(SigningKey.kid == old_kid)
    assert old_kid in {k["kid"] for k in (await keys.jwks())["keys"]}
    await SigningKey.update({SigningKey.retired_at: month_ago - dt.timedelta(days=2)}).where(
        SigningKey.kid == old_kid
    )
    assert old_kid not in {k["kid"] for k in (await keys.jwks())["keys"]}
