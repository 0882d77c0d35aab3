"""Issuing, disclosing and verifying the resident ID credential, and every way to tamper with it."""

from __future__ import annotations

import hashlib
import json

import pytest
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from shell.resident_id import sdjwt
from shell.resident_id.sdjwt import Invalid, SeenNonces

ISSUER = "https://takeo.example"
STATUS_URI = "https://takeo.example/resident-id/status"
NOW = 1_800_000_000
CLAIMS = {
    "name": "武雄 花子",
    "name_kana": "たけお はなこ",
    "district": "武雄町",
    "resident_of": "武雄市",
    "age_over_18": True,
    "age_over_65": True,
}


@pytest.fixture(name="city")
def fx_city():
    return Ed25519PrivateKey.generate()


@pytest.fixture(name="device")
def fx_device():
    return ec.generate_private_key(ec.SECP256R1())


def keys_of(city):
    return {"k1": city.public_key()}


def status(city, revoked=()):
    token = sdjwt.status_list_token(
        key=city, kid="k1", uri=STATUS_URI, revoked=revoked, size=1024, ttl=300, now=NOW
    )
    return sdjwt.read_status_list(token, keys_of(city))


def credential(city, device, *, idx=7, lifetime=86400, now=NOW, issuer=ISSUER):
    return sdjwt.issue(
        key=city,
        kid="k1",
        issuer=issuer,
        disclosable=CLAIMS,
        holder_jwk=sdjwt.public_jwk_p256(device.public_key()),
        status_idx=idx,
        status_uri=STATUS_URI,
        lifetime_seconds=lifetime,
        now=now,
    )


def check(presentation, city, *, now=NOW + 5, revoked=(), seen=None):
    return sdjwt.verify(
        presentation, keys=keys_of(city), issuer=ISSUER, status=status(city, revoked),
        now=now, seen=seen,
    )  # fmt: skip


def test_shows_only_the_chosen_claims(city, device):
    sd = credential(city, device)
    shown = sdjwt.present(sd, ["age_over_65"], device, now=NOW)
    result = check(shown, city)
    assert result.claims == {"age_over_65": True}
    jwt, only, _kb = shown.split("~")  # one disclosure travels, nothing else
    assert json.loads(sdjwt.b64u_decode(only))[1:] == ["age_over_65", True]
    assert "武雄" not in sdjwt.b64u_decode(jwt.split(".")[1]).decode()
    assert result.proof_age_seconds == 5
    full = check(sdjwt.present(sd, list(CLAIMS), device, now=NOW), city)
    assert full.claims == CLAIMS


def test_the_issuer_jwt_holds_digests_not_values(city, device):
    sd = credential(city, device)
    payload = json.loads(sdjwt.b64u_decode(sd.split("~")[0].split(".")[1]))
    assert "name" not in payload
    assert "武雄" not in json.dumps(payload, ensure_ascii=False)
    assert len(payload["_sd"]) == len(CLAIMS) + 2  # the decoys


def test_tampered_disclosure_fails(city, device):
    sd = credential(city, device)
    forged = sdjwt.b64u(json.dumps(["salt", "age_over_65", True]).encode())
    jwt = sd.split("~")[0]
    body = f"{jwt}~{forged}~"
    # Even signed correctly by the device, a disclosure the city did not sign is refused.
    kb = sdjwt.sign_es256(
        {"alg": "ES256", "typ": "kb+jwt"},
        {"iat": NOW, "aud": sdjwt.KB_AUDIENCE, "nonce": "n",
         "sd_hash": sdjwt.b64u(hashlib.sha256(body.encode()).digest())},
        device,
    )  # fmt: skip
    with pytest.raises(Invalid) as caught:
        check(body + kb, city)
    assert caught.value.reason == "bad_disclosure"


def test_swapped_disclosure_breaks_the_key_binding(city, device):
    sd = credential(city, device)
    shown = sdjwt.present(sd, ["age_over_18"], device, now=NOW)
    swapped = shown.replace(
        sdjwt.disclosures_of(sd)["age_over_18"], sdjwt.disclosures_of(sd)["name"]
    )
    with pytest.raises(Invalid) as caught:
        check(swapped, city)
    assert caught.value.reason == "bad_key_binding"


def test_tampered_issuer_payload_fails(city, device):
    shown = sdjwt.present(credential(city, device), ["age_over_65"], device, now=NOW)
    header, payload, signature = shown.split("~")[0].split(".")
    claims = json.loads(sdjwt.b64u_decode(payload))
    claims["exp"] += 10 * 365 * 86400
    forged = ".".join([header, sdjwt.b64u(json.dumps(claims).encode()), signature])
    with pytest.raises(Invalid) as caught:
        check(shown.replace(shown.split("~")[0], forged), city)
    assert caught.value.reason == "bad_signature"


def test_another_citys_key_fails(city, device):
    other = Ed25519PrivateKey.generate()
    shown = sdjwt.present(credential(other, device), ["resident_of"], device, now=NOW)
    with pytest.raises(Invalid) as caught:
        check(shown, city)  # same kid "k1", other key
    assert caught.value.reason == "bad_signature"
    with pytest.raises(Invalid) as caught:
        sdjwt.verify(shown, keys={"k2": city.public_key()}, issuer=ISSUER, status=None, now=NOW)
    assert caught.value.reason == "unknown_key"


def test_wrong_issuer_fails(city, device):
    shown = sdjwt.present(
        credential(city, device, issuer="https://saga.example"), ["resident_of"], device, now=NOW
    )
    with pytest.raises(Invalid) as caught:
        check(shown, city)
    assert caught.value.reason == "wrong_issuer"


def test_expired_credential_fails(city, device):
    shown = sdjwt.present(credential(city, device, lifetime=60), ["age_over_18"], device, now=NOW)
    assert check(shown, city, now=NOW + 30).claims == {"age_over_18": True}
    later = sdjwt.present(
        credential(city, device, lifetime=60), ["age_over_18"], device, now=NOW + 61
    )
    with pytest.raises(Invalid) as caught:
        check(later, city, now=NOW + 61)
    assert caught.value.reason == "expired"


def test_revoked_credential_fails(city, device):
    shown = sdjwt.present(credential(city, device, idx=300), ["age_over_65"], device, now=NOW)
    assert check(shown, city, revoked=[299, 301]).claims  # neighbours revoked, not this one
    with pytest.raises(Invalid) as caught:
        check(shown, city, revoked=[300])
    assert caught.value.reason == "revoked"


def test_old_proof_fails_after_a_minute(city, device):
    shown = sdjwt.present(credential(city, device), ["age_over_65"], device, now=NOW)
    assert check(shown, city, now=NOW + 60).proof_age_seconds == 60
    with pytest.raises(Invalid) as caught:
        check(shown, city, now=NOW + 61)
    assert caught.value.reason == "stale_proof"
    future = sdjwt.present(credential(city, device), ["age_over_65"], device, now=NOW + 3600)
    with pytest.raises(Invalid) as caught:
        check(future, city, now=NOW)
    assert caught.value.reason == "stale_proof"


def test_replayed_proof_fails_inside_the_minute(city, device):
    seen = SeenNonces()
    shown = sdjwt.present(credential(city, device), ["age_over_65"], device, now=NOW)
    check(shown, city, seen=seen)
    with pytest.raises(Invalid) as caught:
        check(shown, city, now=NOW + 10, seen=seen)
    assert caught.value.reason == "replayed"
    # A fresh proof from the same device is fine.
    again = sdjwt.present(credential(city, device), ["age_over_65"], device, now=NOW)
    check(again, city, seen=seen)


def test_proof_from_another_device_fails(city, device):
    thief = ec.generate_private_key(ec.SECP256R1())
    stolen = credential(city, device)  # copied off the resident's phone, without its key
    with pytest.raises(Invalid) as caught:
        check(sdjwt.present(stolen, ["age_over_65"], thief, now=NOW), city)
    assert caught.value.reason == "bad_key_binding"


def test_missing_key_binding_fails(city, device):
    sd = credential(city, device)
    with pytest.raises(Invalid) as caught:
        check(sd, city)
    assert caught.value.reason == "no_key_binding"


def test_wrong_audience_fails(city, device):
    shown = sdjwt.present(
        credential(city, device), ["age_over_65"], device, now=NOW, audience="elsewhere"
    )
    with pytest.raises(Invalid) as caught:
        check(shown, city)
    assert caught.value.reason == "bad_key_binding"


@pytest.mark.parametrize(
    "garbage", ["", "hello", "a.b.c~", "~~~", "ey.ey.ey~x~y", "x" * 9000, "a~b", "MACHI:1:abc"]
)
def test_garbage_is_malformed_not_a_crash(city, garbage):
    with pytest.raises(Invalid) as caught:
        check(garbage, city)
    assert caught.value.reason in {"malformed", "bad_disclosure"}


def test_status_list_token_signed_by_another_key_is_refused(city):
    other = Ed25519PrivateKey.generate()
    token = sdjwt.status_list_token(
        key=other, kid="k1", uri=STATUS_URI, revoked=[], size=8, ttl=60, now=NOW
    )
    with pytest.raises(Invalid) as caught:
        sdjwt.read_status_list(token, keys_of(city))
    assert caught.value.reason == "bad_signature"


def test_status_list_bit_order_follows_the_spec():
    # Index 0 is the least significant bit of the first byte; index 9 bit 1 of the second.
    import zlib

    raw = zlib.decompress(sdjwt.b64u_decode(sdjwt.encode_status_list([0, 9], 16)))
    assert raw == bytes([0b00000001, 0b00000010])
