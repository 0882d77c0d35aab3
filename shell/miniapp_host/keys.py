"""The city's launch-token keys: Ed25519, kept in the database, published as a JWKS.

Signing uses the newest active key. Rotation adds a key and retires the old one, which stays in
the JWKS for 31 days: launch tokens live minutes, but the digital resident ID's credentials, signed
with the same key, live 30 days, and verifiers must keep accepting those already issued.
"""

from __future__ import annotations

import datetime as dt
import secrets
import time
from dataclasses import dataclass
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    NoEncryption,
    PrivateFormat,
    PublicFormat,
)
from webauthn.helpers import bytes_to_base64url

from shell.miniapp_host.tables import SigningKey

RETIRED_KEYS_PUBLISHED_FOR = dt.timedelta(days=31)  # the longest credential signed: 30 days
CACHE_SECONDS = 60.0


@dataclass(frozen=True)
class Key:
    kid: str
    private: Ed25519PrivateKey

    def public_jwk(self) -> dict[str, str]:
        raw = self.private.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
        return {"kty": "OKP", "crv": "Ed25519", "x": bytes_to_base64url(raw),
                "kid": self.kid, "use": "sig", "alg": "EdDSA"}  # fmt: skip


_signing_cache: tuple[float, Key] | None = None


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _key(row: dict[str, Any]) -> Key:
    return Key(row["kid"], Ed25519PrivateKey.from_private_bytes(bytes(row["private_key"])))


async def _create() -> Key:
    private = Ed25519PrivateKey.generate()
    seed = private.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())
    kid = f"{_now():%Y%m%d}-{secrets.token_hex(4)}"
    await SigningKey.insert(SigningKey(kid=kid, private_key=seed))
    return Key(kid, private)


async def signing_key() -> Key:
    """The newest active key (created on first use); cached for a minute per process."""
    global _signing_cache
    if _signing_cache and time.monotonic() - _signing_cache[0] < CACHE_SECONDS:
        return _signing_cache[1]
    row = (
        await SigningKey.select()
        .where(SigningKey.retired_at.is_null())
        .order_by(SigningKey.id, ascending=False)
        .first()
    )
    key = _key(row) if row else await _create()
    _signing_cache = (time.monotonic(), key)
    return key


async def published_keys() -> list[Key]:
    rows = await SigningKey.select().where(
        SigningKey.retired_at.is_null()
        | (SigningKey.retired_at > _now() - RETIRED_KEYS_PUBLISHED_FOR)
    )
    return [_key(row) for row in rows]


async def jwks() -> dict[str, list[dict[str, str]]]:
    keys = await published_keys()
    if not keys:
        keys = [await signing_key()]
    return {"keys": [key.public_jwk() for key in keys]}


async def rotate() -> Key:
    """Start signing with a new key; the previous ones are retired (still published a day)."""
    global _signing_cache
    async with SigningKey._meta.db.transaction():
        await SigningKey.update({SigningKey.retired_at: _now()}).where(
            SigningKey.retired_at.is_null()
        )
        key = await _create()
    _signing_cache = None
    return key


def forget_cached_key() -> None:
    """Tests and rotation in another process: read the key from the database next time."""
    global _signing_cache
    _signing_cache = None


class ShellKeys:
    """The SDK's ``KeyProvider`` for mini-apps mounted in the shell's own process.

    Reads the published keys from the database (no HTTP to ourselves); a key id it does not know
    yet (a rotation in another worker) makes it read them again, at most every few seconds.
    """

    REFRESH_SECONDS = 5.0

    def __init__(self) -> None:
        self._keys: dict[str, Any] = {}
        self._loaded_at = float("-inf")

    def key(self, kid: str) -> Any:
        return self._keys.get(kid)

    async def akey(self, kid: str) -> Any:
        if kid not in self._keys and time.monotonic() - self._loaded_at > self.REFRESH_SECONDS:
            from machi_sdk.auth import parse_jwks

            self._keys = parse_jwks(await jwks())
            self._loaded_at = time.monotonic()
        return self._keys.get(kid)
