"""Web Push message encryption (RFC 8291) in the aes128gcm content coding (RFC 8188).

Written on ``cryptography``'s primitives: the sender of a broadcast encrypts once per device, and
http_ece (what pywebpush calls) spends about half as long again around the same OpenSSL calls.
Every message gets a fresh ephemeral P-256 key and a fresh salt, as the RFC requires; what can be
kept is the subscriber's public key parsed once (``SubscriberKeys``). The tests check both ways
against http_ece.

One record only: a push service takes at most 4,096 bytes of body (RFC 8030 section 7.2 lets it
refuse more), so a payload never needs a second record.
"""

from __future__ import annotations

import base64
import hmac
import os
import struct
from dataclasses import dataclass

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

RECORD_SIZE = 4096
KEY_LENGTH = 65  # an uncompressed P-256 point
HEADER_LENGTH = 16 + 4 + 1 + KEY_LENGTH  # salt, record size, key id length, key id
TAG_LENGTH = 16
# The largest payload that still fits one 4,096-byte record with its delimiter and tag.
MAX_PAYLOAD = RECORD_SIZE - HEADER_LENGTH - 1 - TAG_LENGTH

_CURVE = ec.SECP256R1()
_ECDH = ec.ECDH()
_X962 = serialization.Encoding.X962
_UNCOMPRESSED = serialization.PublicFormat.UncompressedPoint
_KEY_INFO = b"WebPush: info\x00"
_CEK_INFO = b"Content-Encoding: aes128gcm\x00\x01"
_NONCE_INFO = b"Content-Encoding: nonce\x00\x01"


def b64decode(value: str) -> bytes:
    """Unpadded base64url, as subscriptions and VAPID carry keys; raises ValueError if it is not."""
    return base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))


def b64encode(raw: bytes) -> str:
    """Unpadded base64url."""
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


@dataclass(frozen=True, slots=True)
class SubscriberKeys:
    """A subscription's ``p256dh`` key (parsed, and as bytes for the key info) and ``auth``."""

    public_key: ec.EllipticCurvePublicKey
    public_bytes: bytes
    auth: bytes

    @classmethod
    def from_subscription(cls, p256dh: str, auth: str) -> SubscriberKeys:
        raw = b64decode(p256dh)
        return cls(ec.EllipticCurvePublicKey.from_encoded_point(_CURVE, raw), raw, b64decode(auth))


def _hmac(key: bytes, data: bytes) -> bytes:
    return hmac.digest(key, data, "sha256")


def _content_keys(
    secret: bytes, auth: bytes, ua_public: bytes, as_public: bytes, salt: bytes
) -> tuple[bytes, bytes]:
    # HKDF-SHA-256 (RFC 5869) twice, each output shorter than one hash: extract is one HMAC and
    # expand is one HMAC over info || 0x01 (RFC 8291 section 3.4, RFC 8188 section 2.2).
    ikm = _hmac(_hmac(auth, secret), _KEY_INFO + ua_public + as_public + b"\x01")
    prk = _hmac(salt, ikm)
    return _hmac(prk, _CEK_INFO)[:16], _hmac(prk, _NONCE_INFO)[:12]


def encrypt(payload: bytes, keys: SubscriberKeys) -> bytes:
    """The aes128gcm body of one push message for one subscriber."""
    if len(payload) > MAX_PAYLOAD:
        raise ValueError(f"a push payload holds at most {MAX_PAYLOAD} bytes")
    ephemeral = ec.generate_private_key(_CURVE)
    as_public = ephemeral.public_key().public_bytes(_X962, _UNCOMPRESSED)
    salt = os.urandom(16)
    secret = ephemeral.exchange(_ECDH, keys.public_key)
    cek, nonce = _content_keys(secret, keys.auth, keys.public_bytes, as_public, salt)
    # the last (only) record ends with the delimiter 0x02 and no padding
    sealed = AESGCM(cek).encrypt(nonce, payload + b"\x02", None)
    return salt + struct.pack("!LB", RECORD_SIZE, KEY_LENGTH) + as_public + sealed


def decrypt(
    body: bytes, private_key: ec.EllipticCurvePrivateKey, public_bytes: bytes, auth: bytes
) -> bytes:
    """What a browser does with a push message: the plaintext, or ``ValueError``."""
    if len(body) < HEADER_LENGTH + TAG_LENGTH + 1:
        raise ValueError("too short for an aes128gcm message")
    salt = body[:16]
    record_size, key_length = struct.unpack("!LB", body[16:21])
    if key_length != KEY_LENGTH:
        raise ValueError("the key id is not a P-256 public key")
    as_public = body[21 : 21 + KEY_LENGTH]
    sealed = body[HEADER_LENGTH:]
    if record_size < 18 or len(sealed) > record_size:
        raise ValueError("more than one record")  # never sent by a conforming push sender
    try:
        sender_key = ec.EllipticCurvePublicKey.from_encoded_point(_CURVE, as_public)
        secret = private_key.exchange(_ECDH, sender_key)
        cek, nonce = _content_keys(secret, auth, public_bytes, as_public, salt)
        padded = AESGCM(cek).decrypt(nonce, sealed, None)
    except Exception as exc:  # a bad point or a failed tag: either way not our message
        raise ValueError("undecryptable") from exc
    plaintext = padded.rstrip(b"\x00")
    if not plaintext.endswith(b"\x02"):
        raise ValueError("no last-record delimiter")
    return plaintext[:-1]


_parsed: dict[tuple[str, str], SubscriberKeys] = {}


def encrypt_many(messages: list[tuple[bytes, str, str]]) -> list[bytes]:
    """``encrypt`` for each (payload, p256dh, auth): what a sender's helper process runs, so a
    broadcast's encryption uses another core (each message still gets its own key and salt)."""
    bodies = []
    for payload, p256dh, auth in messages:
        keys = _parsed.get((p256dh, auth))
        if keys is None:
            if len(_parsed) >= 200_000:
                _parsed.clear()
            keys = _parsed[p256dh, auth] = SubscriberKeys.from_subscription(p256dh, auth)
        bodies.append(encrypt(payload, keys))
    return bodies
