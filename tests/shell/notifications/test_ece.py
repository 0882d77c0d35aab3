"""RFC 8291 message encryption, checked against an independent implementation (http_ece)."""

from __future__ import annotations

import base64
import os

import http_ece
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from pywebpush import WebPusher

from shell.notifications import ece

PAYLOAD = '{"title": "避難所開設", "body": "武雄市役所に避難所を開設しました。"}'.encode()


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


@pytest.fixture(name="device")
def fx_device() -> tuple[ec.EllipticCurvePrivateKey, bytes, bytes]:
    """What a browser keeps for one subscription: its private key, public point, auth secret."""
    key = ec.generate_private_key(ec.SECP256R1())
    public = key.public_key().public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )
    return key, public, os.urandom(16)


def test_a_browser_decrypts_what_the_sender_encrypts(device):
    key, public, auth = device
    keys = ece.SubscriberKeys.from_subscription(_b64(public), _b64(auth))
    body = ece.encrypt(PAYLOAD, keys)
    assert http_ece.decrypt(body, private_key=key, auth_secret=auth, version="aes128gcm") == (
        PAYLOAD
    )
    assert ece.decrypt(body, key, public, auth) == PAYLOAD


def test_the_local_service_decrypts_what_pywebpush_encrypts(device):
    key, public, auth = device
    subscription = {"endpoint": "https://push.example/x", "keys": {"p256dh": _b64(public)}}
    subscription["keys"]["auth"] = _b64(auth)
    body = WebPusher(subscription).encode(PAYLOAD, "aes128gcm")["body"]
    assert ece.decrypt(body, key, public, auth) == PAYLOAD


def test_every_message_has_its_own_ephemeral_key_and_salt(device):
    _, public, auth = device
    keys = ece.SubscriberKeys.from_subscription(_b64(public), _b64(auth))
    first, second = ece.encrypt(PAYLOAD, keys), ece.encrypt(PAYLOAD, keys)
    assert first[:16] != second[:16]  # salt
    assert first[21:86] != second[21:86]  # the sender's public key (the key id)
    assert first[16:21] == bytes([0, 0, 16, 0, 65])  # record size 4096, a 65-byte key id


def test_a_tampered_or_foreign_message_is_refused(device):
    key, public, auth = device
    keys = ece.SubscriberKeys.from_subscription(_b64(public), _b64(auth))
    body = bytearray(ece.encrypt(PAYLOAD, keys))
    body[-1] ^= 1
    with pytest.raises(ValueError, match="undecryptable"):
        ece.decrypt(bytes(body), key, public, auth)
    with pytest.raises(ValueError, match="undecryptable"):
        ece.decrypt(ece.encrypt(PAYLOAD, keys), key, public, os.urandom(16))
    with pytest.raises(ValueError):
        ece.decrypt(b"short", key, public, auth)


def test_a_payload_too_big_for_one_record_is_refused(device):
    _, public, auth = device
    keys = ece.SubscriberKeys.from_subscription(_b64(public), _b64(auth))
    assert len(ece.encrypt(b"x" * ece.MAX_PAYLOAD, keys)) == ece.RECORD_SIZE
    with pytest.raises(ValueError, match="at most"):
        ece.encrypt(b"x" * (ece.MAX_PAYLOAD + 1), keys)
