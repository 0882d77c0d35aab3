"""Identity providers beside the counter: OpenID Connect, as the JPKI (My Number card) apps offer.

``IdentityProvider`` is the interface the routes use. ``OpenIDConnectProvider`` speaks the
authorization-code flow to a real provider (token endpoint, ID token verified against the
provider's JWKS: issuer, audience, expiry, nonce). ``LocalIdentityProvider`` is the embedded
default: a working provider inside the shell for the demo, whose "card reading" page stands in for
the JPKI app and vouches for the signed-in resident's registered name and birth date.

Only the fact and the day of the check are kept (``Verification``); never the provider's subject
if it is a My Number, never the card's numbers. The address (the standard ``address`` claim, which
JPKI-based providers fill from the card's 券面事項) is turned into a household key and dropped.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import json
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol
from urllib.parse import urlencode, urlsplit

import httpx
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

from shell.resident_id.sdjwt import b64u, b64u_decode


class ProviderError(Exception):
    """The provider's answer could not be trusted; ``reason`` says why."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class ProvidedIdentity:
    issuer: str
    name: str
    birthdate: dt.date
    address: str = ""  # the registered address if the provider gives one; never stored


def address_claim(value: Any) -> str:
    """OpenID Connect's ``address`` claim as one line: its ``formatted`` member, or its parts
    from the prefecture down (some providers send a plain string)."""
    if isinstance(value, str):
        return value
    if not isinstance(value, dict):
        return ""
    if isinstance(value.get("formatted"), str) and value["formatted"].strip():
        return str(value["formatted"])
    parts = (value.get(k) for k in ("region", "locality", "street_address"))
    return "".join(p for p in parts if isinstance(p, str))


class IdentityProvider(Protocol):
    name: str

    def authorization_url(self, *, state: str, nonce: str, redirect_uri: str) -> str: ...

    async def complete(self, *, code: str, nonce: str, redirect_uri: str) -> ProvidedIdentity: ...


def _verify_jws(token: str, jwks: Mapping[str, Any]) -> dict[str, Any]:
    """Verify a compact JWS against a JWKS (RS256, ES256 or EdDSA); return its payload."""
    try:
        head_b64, body_b64, sig_b64 = token.split(".")
        header = json.loads(b64u_decode(head_b64))
        payload = json.loads(b64u_decode(body_b64))
        signature = b64u_decode(sig_b64)
    except ValueError as exc:
        raise ProviderError("malformed") from exc
    data = f"{head_b64}.{body_b64}".encode("ascii")
    jwk = next((k for k in jwks.get("keys", []) if k.get("kid") == header.get("kid")), None)
    if jwk is None:
        raise ProviderError("unknown_key")
    alg = header.get("alg")
    try:
        if alg == "EdDSA" and jwk.get("crv") == "Ed25519":
            Ed25519PublicKey.from_public_bytes(b64u_decode(jwk["x"])).verify(signature, data)
        elif alg == "ES256" and jwk.get("crv") == "P-256" and len(signature) == 64:
            key = ec.EllipticCurvePublicNumbers(
                int.from_bytes(b64u_decode(jwk["x"]), "big"),
                int.from_bytes(b64u_decode(jwk["y"]), "big"),
                ec.SECP256R1(),
            ).public_key()
            der = encode_dss_signature(
                int.from_bytes(signature[:32], "big"), int.from_bytes(signature[32:], "big")
            )
            key.verify(der, data, ec.ECDSA(hashes.SHA256()))
        elif alg == "RS256" and jwk.get("kty") == "RSA":
            rsa.RSAPublicNumbers(
                int.from_bytes(b64u_decode(jwk["e"]), "big"),
                int.from_bytes(b64u_decode(jwk["n"]), "big"),
            ).public_key().verify(signature, data, padding.PKCS1v15(), hashes.SHA256())
        else:
            raise ProviderError("algorithm")
    except (InvalidSignature, ValueError, KeyError) as exc:
        raise ProviderError("signature") from exc
    if not isinstance(payload, dict):
        raise ProviderError("malformed")
    return payload


@dataclass
class OpenIDConnectProvider:
    """The authorization-code flow against a real provider (configured, not discovered)."""

    name: str
    issuer: str
    authorization_endpoint: str
    token_endpoint: str
    jwks_uri: str
    client_id: str
    client_secret: str
    transport: httpx.AsyncBaseTransport | None = None
    leeway_seconds: int = 60

    @classmethod
    async def discover(
        cls,
        issuer: str,
        *,
        client_id: str,
        client_secret: str,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> OpenIDConnectProvider:
        """Read the provider's ``/.well-known/openid-configuration`` (OpenID Connect Discovery)."""
        url = issuer.rstrip("/") + "/.well-known/openid-configuration"
        async with httpx.AsyncClient(transport=transport, timeout=10) as client:
            try:
                config = (await client.get(url)).raise_for_status().json()
            except (httpx.HTTPError, ValueError) as exc:
                raise ProviderError("unreachable") from exc
        if not isinstance(config, dict) or config.get("issuer") != issuer.rstrip("/"):
            raise ProviderError("discovery")
        try:
            return cls(
                name=urlsplit(issuer).hostname or issuer,
                issuer=config["issuer"],
                authorization_endpoint=config["authorization_endpoint"],
                token_endpoint=config["token_endpoint"],
                jwks_uri=config["jwks_uri"],
                client_id=client_id,
                client_secret=client_secret,
                transport=transport,
            )
        except KeyError as exc:
            raise ProviderError("discovery") from exc

    def authorization_url(self, *, state: str, nonce: str, redirect_uri: str) -> str:
        query = urlencode(
            {
                "response_type": "code",
                "client_id": self.client_id,
                "redirect_uri": redirect_uri,
                "scope": "openid profile address",
                "state": state,
                "nonce": nonce,
            }
        )
        return f"{self.authorization_endpoint}?{query}"

    async def complete(self, *, code: str, nonce: str, redirect_uri: str) -> ProvidedIdentity:
        async with httpx.AsyncClient(transport=self.transport, timeout=10) as client:
            try:
                answer = await client.post(
                    self.token_endpoint,
                    data={
                        "grant_type": "authorization_code",
                        "code": code,
                        "redirect_uri": redirect_uri,
                    },
                    auth=(self.client_id, self.client_secret),
                )
                jwks = (await client.get(self.jwks_uri)).json()
            except (httpx.HTTPError, ValueError) as exc:
                raise ProviderError("unreachable") from exc
        if answer.status_code != 200:
            raise ProviderError("token")
        try:
            id_token = str(answer.json()["id_token"])
        except (ValueError, KeyError) as exc:
            raise ProviderError("token") from exc
        claims = _verify_jws(id_token, jwks)
        now = time.time()
        audience = claims.get("aud")
        audiences = audience if isinstance(audience, list) else [audience]
        if claims.get("iss") != self.issuer or self.client_id not in audiences:
            raise ProviderError("audience")
        if (
            not isinstance(claims.get("exp"), int | float)
            or claims["exp"] < now - self.leeway_seconds
        ):
            raise ProviderError("expired")
        if not hmac.compare_digest(str(claims.get("nonce", "")).encode(), nonce.encode()):
            raise ProviderError("nonce")
        try:
            return ProvidedIdentity(
                self.issuer,
                str(claims["name"]),
                dt.date.fromisoformat(str(claims["birthdate"])),
                address_claim(claims.get("address")),
            )
        except (KeyError, ValueError) as exc:
            raise ProviderError("claims") from exc


@dataclass
class LocalIdentityProvider:
    """The demo's provider, inside the shell: ``/id/provider/local`` shows what a JPKI app would
    read off the card (the registered name, birth date and address) and hands back a short-lived
    code signed with the shell's secret."""

    secret: str
    name: str = "local"
    code_seconds: int = 120

    def authorization_url(self, *, state: str, nonce: str, redirect_uri: str) -> str:
        query = urlencode({"state": state, "nonce": nonce, "redirect_uri": redirect_uri})
        return f"/id/provider/local?{query}"

    def _mac(self, body: str) -> str:
        key = hashlib.sha256(b"resident-id-local-provider:" + self.secret.encode()).digest()
        return b64u(hmac.new(key, body.encode("ascii"), hashlib.sha256).digest())

    def issue_code(
        self, *, name: str, birthdate: dt.date, nonce: str, redirect_uri: str, address: str = ""
    ) -> str:
        claims = {
            "name": name,
            "birthdate": birthdate.isoformat(),
            "address": address,
            "nonce": nonce,
            "aud": redirect_uri,
            "exp": int(time.time()) + self.code_seconds,
        }
        body = b64u(json.dumps(claims, ensure_ascii=False).encode())
        return f"{body}.{self._mac(body)}"

    async def complete(self, *, code: str, nonce: str, redirect_uri: str) -> ProvidedIdentity:
        body, _, mac = code.partition(".")
        if not body or not hmac.compare_digest(mac.encode(), self._mac(body).encode()):
            raise ProviderError("signature")
        try:
            claims = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
            birthdate = dt.date.fromisoformat(claims["birthdate"])
        except (ValueError, KeyError) as exc:
            raise ProviderError("claims") from exc
        if claims.get("aud") != redirect_uri or claims.get("exp", 0) < time.time():
            raise ProviderError("expired")
        if not hmac.compare_digest(str(claims.get("nonce", "")).encode(), nonce.encode()):
            raise ProviderError("nonce")
        return ProvidedIdentity(
            "local", str(claims["name"]), birthdate, address_claim(claims.get("address"))
        )
