"""SD-JWT (IETF selective-disclosure JWT, RFC 9901) with key binding, and the token status list.

Written here rather than taken from PyPI: the reference implementation (``sd-jwt`` 0.10.4) was
last released in early 2024 against a draft, pulls in jwcrypto, and the same rules must be
implemented again in the browser for offline verification (``pwa/static/js/verify.js``) anyway;
both sides follow the few lines below, and every tampering case is a unit test.

    presentation = <issuer-signed JWT> ~ <disclosure> ~ ... ~ <KB-JWT>

* The issuer JWT (``typ: dc+sd-jwt``, EdDSA, the city's key id in ``kid``) holds ``_sd``, the
  SHA-256 digests of the disclosures, plus ``iss``, ``iat``, ``exp``, ``vct``, ``cnf.jwk`` (the
  device's P-256 public key) and ``status.status_list`` (``idx`` and ``uri``).
* A disclosure is ``base64url(json([salt, name, value]))``; its digest is
  ``base64url(sha256(ascii(disclosure)))``.
* The KB-JWT (``typ: kb+jwt``, ES256 by the device key) carries ``iat``, ``aud``, ``nonce`` and
  ``sd_hash``, the digest of everything before it (trailing ``~`` included).
* The status list token (``typ: statuslist+jwt``) carries ``status_list.lst``: one bit per
  credential, zlib-compressed, bit ``i`` being bit ``i % 8`` (least significant first) of byte
  ``i // 8``; 1 means revoked.
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import time
import zlib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.asymmetric.utils import (
    decode_dss_signature,
    encode_dss_signature,
)

VCT = "urn:machi:resident-id:1"
KB_AUDIENCE = "machi:verify"
PROOF_MAX_AGE_SECONDS = 60
CLOCK_SKEW_SECONDS = 10
SD_TYP = "dc+sd-jwt"
KB_TYP = "kb+jwt"
STATUS_TYP = "statuslist+jwt"


class Invalid(ValueError):
    """The presentation does not verify; ``reason`` says why, in a word a page can translate."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def b64u(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64u_decode(text: str) -> bytes:
    if not isinstance(text, str) or any(c in text for c in "=+/ "):
        raise Invalid("malformed")
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (ValueError, TypeError) as exc:
        raise Invalid("malformed") from exc


def _json_b64(value: Any) -> str:
    return b64u(json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode())


def _parse_json(text: str) -> Any:
    try:
        return json.loads(b64u_decode(text))
    except (ValueError, UnicodeDecodeError) as exc:
        raise Invalid("malformed") from exc


def digest(disclosure: str) -> str:
    return b64u(hashlib.sha256(disclosure.encode("ascii")).digest())


# --- keys -------------------------------------------------------------------------------------


def p256_public_from_jwk(jwk: Mapping[str, Any]) -> ec.EllipticCurvePublicKey:
    if jwk.get("kty") != "EC" or jwk.get("crv") != "P-256" or "d" in jwk:
        raise Invalid("bad_device_key")
    x, y = b64u_decode(str(jwk.get("x", ""))), b64u_decode(str(jwk.get("y", "")))
    if len(x) != 32 or len(y) != 32:
        raise Invalid("bad_device_key")
    try:
        return ec.EllipticCurvePublicNumbers(
            int.from_bytes(x, "big"), int.from_bytes(y, "big"), ec.SECP256R1()
        ).public_key()
    except ValueError as exc:
        raise Invalid("bad_device_key") from exc


def public_jwk_p256(key: ec.EllipticCurvePublicKey) -> dict[str, str]:
    numbers = key.public_numbers()
    x, y = numbers.x.to_bytes(32, "big"), numbers.y.to_bytes(32, "big")
    return {"kty": "EC", "crv": "P-256", "x": b64u(x), "y": b64u(y)}


def jwk_thumbprint(jwk: Mapping[str, Any]) -> str:
    """RFC 7638 thumbprint of an EC public key: how the server remembers a device key."""
    members = {k: jwk[k] for k in ("crv", "kty", "x", "y")}
    return b64u(hashlib.sha256(json.dumps(members, separators=(",", ":")).encode()).digest())


def ed25519_keys_from_jwks(jwks: Mapping[str, Any]) -> dict[str, Ed25519PublicKey]:
    keys: dict[str, Ed25519PublicKey] = {}
    for jwk in jwks.get("keys", []):
        if jwk.get("kty") == "OKP" and jwk.get("crv") == "Ed25519" and "kid" in jwk:
            keys[jwk["kid"]] = Ed25519PublicKey.from_public_bytes(b64u_decode(jwk["x"]))
    return keys


# --- signing ----------------------------------------------------------------------------------


def _sign_eddsa(header: dict[str, Any], payload: dict[str, Any], key: Ed25519PrivateKey) -> str:
    signing_input = f"{_json_b64(header)}.{_json_b64(payload)}"
    return f"{signing_input}.{b64u(key.sign(signing_input.encode('ascii')))}"


def sign_es256(
    header: dict[str, Any], payload: dict[str, Any], key: ec.EllipticCurvePrivateKey
) -> str:
    """What the device does in WebCrypto (tests and the bench play the device with this)."""
    signing_input = f"{_json_b64(header)}.{_json_b64(payload)}"
    r, s = decode_dss_signature(key.sign(signing_input.encode("ascii"), ec.ECDSA(hashes.SHA256())))
    return f"{signing_input}.{b64u(r.to_bytes(32, 'big') + s.to_bytes(32, 'big'))}"


def _split_jwt(token: str) -> tuple[dict[str, Any], dict[str, Any], bytes, bytes]:
    parts = token.split(".")
    if len(parts) != 3:
        raise Invalid("malformed")
    header, payload = _parse_json(parts[0]), _parse_json(parts[1])
    if not isinstance(header, dict) or not isinstance(payload, dict):
        raise Invalid("malformed")
    return header, payload, f"{parts[0]}.{parts[1]}".encode("ascii"), b64u_decode(parts[2])


def issue(
    *,
    key: Ed25519PrivateKey,
    kid: str,
    issuer: str,
    disclosable: Mapping[str, Any],
    holder_jwk: Mapping[str, Any],
    status_idx: int,
    status_uri: str,
    lifetime_seconds: int,
    now: int | None = None,
) -> str:
    """The SD-JWT with every disclosure (the holder picks later which ones to show)."""
    now = int(time.time()) if now is None else now
    disclosures = [_json_b64([b64u(secrets.token_bytes(16)), name, value])
                   for name, value in disclosable.items()]  # fmt: skip
    # A couple of decoys so that the number of claims a resident has is not given away.
    decoys = [b64u(hashlib.sha256(secrets.token_bytes(32)).digest()) for _ in range(2)]
    payload = {
        "iss": issuer,
        "iat": now,
        "exp": now + lifetime_seconds,
        "vct": VCT,
        "_sd_alg": "sha-256",
        "_sd": sorted([digest(d) for d in disclosures] + decoys),
        "cnf": {"jwk": dict(holder_jwk)},
        "status": {"status_list": {"idx": status_idx, "uri": status_uri}},
    }
    jwt = _sign_eddsa({"alg": "EdDSA", "typ": SD_TYP, "kid": kid}, payload, key)
    return "~".join([jwt, *disclosures]) + "~"


def disclosures_of(sd_jwt: str) -> dict[str, str]:
    """Claim name -> its disclosure, for the holder choosing what to show."""
    found: dict[str, str] = {}
    for disclosure in sd_jwt.split("~")[1:]:
        if disclosure:
            found[_parse_json(disclosure)[1]] = disclosure
    return found


def present(
    sd_jwt: str,
    names: Iterable[str],
    device_key: ec.EllipticCurvePrivateKey,
    *,
    now: int | None = None,
    nonce: str | None = None,
    audience: str = KB_AUDIENCE,
) -> str:
    """The holder's presentation: the chosen disclosures and a fresh key-binding JWT."""
    chosen = disclosures_of(sd_jwt)
    jwt = sd_jwt.split("~", 1)[0]
    body = "~".join([jwt, *(chosen[name] for name in names)]) + "~"
    kb = sign_es256(
        {"alg": "ES256", "typ": KB_TYP},
        {
            "iat": int(time.time()) if now is None else now,
            "aud": audience,
            "nonce": nonce or b64u(secrets.token_bytes(12)),
            "sd_hash": b64u(hashlib.sha256(body.encode("ascii")).digest()),
        },
        device_key,
    )
    return body + kb


# --- status list ------------------------------------------------------------------------------


def encode_status_list(revoked: Iterable[int], size: int) -> str:
    bits = bytearray((size + 7) // 8)
    for idx in revoked:
        bits[idx // 8] |= 1 << (idx % 8)
    return b64u(zlib.compress(bytes(bits), 9))


def status_list_token(
    *, key: Ed25519PrivateKey, kid: str, uri: str, revoked: Iterable[int], size: int,
    ttl: int, now: int | None = None,
) -> str:  # fmt: skip
    now = int(time.time()) if now is None else now
    payload = {"sub": uri, "iat": now, "ttl": ttl,
               "status_list": {"bits": 1, "lst": encode_status_list(revoked, size)}}  # fmt: skip
    return _sign_eddsa({"alg": "EdDSA", "typ": STATUS_TYP, "kid": kid}, payload, key)


@dataclass(frozen=True)
class StatusList:
    uri: str
    issued_at: int
    bits: bytes

    def revoked(self, idx: int) -> bool:
        if idx < 0 or idx // 8 >= len(self.bits):
            raise Invalid("bad_status")
        return bool(self.bits[idx // 8] >> (idx % 8) & 1)


def _verify_eddsa(token: str, keys: Mapping[str, Ed25519PublicKey], typ: str) -> dict[str, Any]:
    header, payload, signing_input, signature = _split_jwt(token)
    if header.get("alg") != "EdDSA" or header.get("typ") != typ:
        raise Invalid("malformed")
    key = keys.get(str(header.get("kid", "")))
    if key is None:
        raise Invalid("unknown_key")
    try:
        key.verify(signature, signing_input)
    except InvalidSignature as exc:
        raise Invalid("bad_signature") from exc
    return payload


def read_status_list(token: str, keys: Mapping[str, Ed25519PublicKey]) -> StatusList:
    payload = _verify_eddsa(token, keys, STATUS_TYP)
    try:
        lst = payload["status_list"]
        bits = zlib.decompress(b64u_decode(lst["lst"]))
        if lst.get("bits") != 1:
            raise Invalid("bad_status")
        return StatusList(str(payload["sub"]), int(payload["iat"]), bits)
    except (KeyError, TypeError, zlib.error) as exc:
        raise Invalid("bad_status") from exc


# --- verifying --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Verified:
    claims: dict[str, Any]
    issued_at: int
    expires_at: int
    proof_age_seconds: int
    status_checked_at: int | None


@dataclass
class SeenNonces:
    """Key-binding nonces a verifier has accepted in the last minutes: a replay inside the
    freshness window is refused too."""

    window: int = PROOF_MAX_AGE_SECONDS + CLOCK_SKEW_SECONDS
    _seen: dict[str, int] = field(default_factory=dict)

    def check_and_add(self, nonce: str, now: int) -> None:
        if len(self._seen) > 10_000:
            self._seen = {n: t for n, t in self._seen.items() if now - t <= self.window}
        seen_at = self._seen.get(nonce)
        if seen_at is not None and now - seen_at <= self.window:
            raise Invalid("replayed")
        self._seen[nonce] = now


def _verify_es256(signing_input: bytes, signature: bytes, jwk: Mapping[str, Any]) -> None:
    if len(signature) != 64:
        raise Invalid("bad_key_binding")
    der = encode_dss_signature(
        int.from_bytes(signature[:32], "big"), int.from_bytes(signature[32:], "big")
    )
    try:
        p256_public_from_jwk(jwk).verify(der, signing_input, ec.ECDSA(hashes.SHA256()))
    except (InvalidSignature, Invalid) as exc:
        raise Invalid("bad_key_binding") from exc


def verify(
    presentation: str,
    *,
    keys: Mapping[str, Ed25519PublicKey],
    issuer: str,
    status: StatusList | Callable[[str], StatusList | None] | None,
    now: int | None = None,
    seen: SeenNonces | None = None,
    audience: str = KB_AUDIENCE,
) -> Verified:
    """Check signature, issuer, lifetime, every disclosure, the key binding and the status."""
    now = int(time.time()) if now is None else now
    if not isinstance(presentation, str) or presentation.count("~") < 1 or len(presentation) > 8000:
        raise Invalid("malformed")
    parts = presentation.split("~")
    jwt, disclosures, kb = parts[0], parts[1:-1], parts[-1]
    payload = _verify_eddsa(jwt, keys, SD_TYP)
    if payload.get("iss") != issuer:
        raise Invalid("wrong_issuer")
    if payload.get("vct") != VCT or payload.get("_sd_alg") != "sha-256":
        raise Invalid("malformed")
    try:
        issued_at, expires_at = int(payload["iat"]), int(payload["exp"])
    except (KeyError, TypeError, ValueError) as exc:
        raise Invalid("malformed") from exc
    if expires_at <= now:
        raise Invalid("expired")
    if issued_at > now + CLOCK_SKEW_SECONDS:
        raise Invalid("not_yet_valid")

    digests = payload.get("_sd")
    if not isinstance(digests, list):
        raise Invalid("malformed")
    claims: dict[str, Any] = {}
    for disclosure in disclosures:
        if digest(disclosure) not in digests:
            raise Invalid("bad_disclosure")
        content = _parse_json(disclosure)
        if not isinstance(content, list) or len(content) != 3 or not isinstance(content[1], str):
            raise Invalid("bad_disclosure")
        name = content[1]
        if name in claims or name in payload or name in {"_sd", "..."}:
            raise Invalid("bad_disclosure")
        claims[name] = content[2]

    # Key binding: the device that holds cnf.jwk signed this very presentation, just now.
    if not kb:
        raise Invalid("no_key_binding")
    header, kb_payload, signing_input, signature = _split_jwt(kb)
    if header.get("alg") != "ES256" or header.get("typ") != KB_TYP:
        raise Invalid("bad_key_binding")
    jwk = payload.get("cnf", {}).get("jwk") if isinstance(payload.get("cnf"), dict) else None
    if not isinstance(jwk, dict):
        raise Invalid("malformed")
    _verify_es256(signing_input, signature, jwk)
    body = presentation[: len(presentation) - len(kb)]
    if kb_payload.get("sd_hash") != b64u(hashlib.sha256(body.encode("ascii")).digest()):
        raise Invalid("bad_key_binding")
    if kb_payload.get("aud") != audience:
        raise Invalid("bad_key_binding")
    try:
        proof_at = int(kb_payload["iat"])
        nonce = str(kb_payload["nonce"])
    except (KeyError, TypeError, ValueError) as exc:
        raise Invalid("bad_key_binding") from exc
    if proof_at > now + CLOCK_SKEW_SECONDS:
        raise Invalid("stale_proof")
    if now - proof_at > PROOF_MAX_AGE_SECONDS:
        raise Invalid("stale_proof")

    status_checked_at = None
    if status is not None:
        try:
            ref = payload["status"]["status_list"]
            idx, uri = int(ref["idx"]), str(ref["uri"])
        except (KeyError, TypeError, ValueError) as exc:
            raise Invalid("malformed") from exc
        current = status(uri) if callable(status) else status
        if current is None or current.uri != uri:
            raise Invalid("bad_status")
        if current.revoked(idx):
            raise Invalid("revoked")
        status_checked_at = current.issued_at
    if seen is not None:
        seen.check_and_add(nonce, now)
    return Verified(claims, issued_at, expires_at, now - proof_at, status_checked_at)
