"""Web Push (RFC 8030) with message encryption (RFC 8291) and VAPID (RFC 8292).

One ``Sender`` per process keeps connections to each push service open (``pushhttp``), signs one
VAPID header per push-service origin with py_vapid, reused until near its expiry instead of one per
message, keeps each subscriber's parsed public key, and encrypts every message with a fresh
ephemeral key and salt (``ece``). A 404 or 410 means the subscription is gone; 429 and 5xx are
retried with backoff. pywebpush did the same with aiohttp and http_ece at about twice the CPU per
message, which a broadcast to a whole town pays tens of thousands of times.
"""

from __future__ import annotations

import asyncio
import base64
import time
from dataclasses import dataclass
from typing import Any

from cryptography.hazmat.primitives import serialization
from py_vapid import Vapid02

from shell.notifications import ece
from shell.notifications.pushhttp import PushClient, PushHTTPError, header_lines
from shell.notifications.tables import VapidKey

VAPID_LIFETIME = 12 * 3600  # RFC 8292 allows up to 24 hours
RETRIES = (0.5, 2.0, 5.0)  # seconds before each retry of a 429 or 5xx
MAX_RETRY_AFTER = 30.0


def b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


async def vapid_key() -> Vapid02:
    """The server's VAPID key: made at first start, then the same for every worker and restart."""
    row = await VapidKey.select().order_by(VapidKey.id).first()
    if row is None:
        fresh = Vapid02()
        fresh.generate_keys()
        await VapidKey.insert(
            VapidKey(private_pem=fresh.private_pem().decode(), public_key=_public(fresh))
        )
        # Two workers starting at once may both insert: every one uses the oldest row.
        row = await VapidKey.select().order_by(VapidKey.id).first()
    assert row is not None
    return Vapid02.from_pem(row["private_pem"].encode())


def _public(vapid: Vapid02) -> str:
    raw = vapid.public_key.public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )
    return b64url(raw)


async def application_server_key() -> str:
    """The public key browsers need for ``pushManager.subscribe`` (base64url)."""
    return _public(await vapid_key())


@dataclass(frozen=True)
class Outcome:
    status: int  # the push service's last HTTP status; 0 when it could not be reached

    @property
    def sent(self) -> bool:
        return 200 <= self.status < 300

    @property
    def gone(self) -> bool:
        return self.status in (404, 410)


def _origin(endpoint: str) -> str:
    """``scheme://host[:port]`` of an endpoint: the VAPID audience (RFC 8292 section 2)."""
    end = endpoint.find("/", endpoint.find("://") + 3)
    return endpoint if end < 0 else endpoint[:end]


# Parsed subscriber keys kept per sender: a town's subscriptions, and dropped whole past this.
KEY_CACHE = 200_000


class Sender:
    def __init__(self, vapid: Vapid02, subject: str, *, concurrency: int = 256) -> None:
        self.vapid = vapid
        self.subject = subject
        self._client: PushClient | None = None
        self._headers: dict[str, tuple[float, dict[str, str]]] = {}
        self._keys: dict[tuple[str, str], ece.SubscriberKeys] = {}
        self._lines: dict[tuple[str, float, int, str, str | None], bytes] = {}
        self._connections = concurrency

    def client(self) -> PushClient:
        if self._client is None:
            self._client = PushClient(limit=self._connections)
        return self._client

    async def close(self) -> None:
        if self._client is not None:
            await self._client.close()
            self._client = None

    def vapid_headers(self, endpoint: str) -> dict[str, str]:
        return self._vapid(_origin(endpoint))[1]

    def _vapid(self, audience: str) -> tuple[float, dict[str, str]]:
        now = time.time()
        cached = self._headers.get(audience)
        if cached is None or cached[0] - now < 3600:
            expires = int(now) + VAPID_LIFETIME
            claims = {"aud": audience, "exp": expires, "sub": self.subject}
            cached = (expires, dict(self.vapid.sign(claims)))
            self._headers[audience] = cached
        return cached

    def _header_lines(self, endpoint: str, ttl: int, urgency: str, topic: str | None) -> bytes:
        """The request's header lines, made once per push service, token and message kind."""
        audience = _origin(endpoint)
        expires, vapid = self._vapid(audience)
        key = (audience, expires, ttl, urgency, topic)
        lines = self._lines.get(key)
        if lines is None:
            headers = {
                **vapid,
                "Content-Encoding": "aes128gcm",
                "TTL": str(ttl),
                "Urgency": urgency,
            }
            if topic:
                headers["Topic"] = topic
            if len(self._lines) >= 1000:
                self._lines.clear()
            lines = self._lines[key] = header_lines(headers)
        return lines

    def subscriber_keys(self, subscription: dict[str, Any]) -> ece.SubscriberKeys:
        found = (subscription["keys"]["p256dh"], subscription["keys"]["auth"])
        keys = self._keys.get(found)
        if keys is None:
            if len(self._keys) >= KEY_CACHE:
                self._keys.clear()
            keys = self._keys[found] = ece.SubscriberKeys.from_subscription(*found)
        return keys

    def encrypt(self, subscription: dict[str, Any], payload: bytes) -> bytes:
        """The RFC 8291 body of ``payload`` for this subscription (a fresh key and salt each)."""
        return ece.encrypt(payload, self.subscriber_keys(subscription))

    async def send(
        self,
        subscription: dict[str, Any],
        payload: bytes,
        *,
        ttl: int,
        urgency: str = "normal",
        topic: str | None = None,
    ) -> Outcome:
        """Encrypt ``payload`` for the subscription and post it, retrying 429 and 5xx."""
        endpoint = subscription["endpoint"]
        lines = self._header_lines(endpoint, ttl, urgency, topic)
        body = self.encrypt(subscription, payload)
        client = self.client()
        status = 0
        for attempt, pause in enumerate((0.0, *RETRIES)):
            if attempt:
                await asyncio.sleep(pause)
            try:
                response = await client.post(endpoint, lines, body, seconds=20)
            except PushHTTPError:
                status = 0
                continue
            status = response.status
            if status != 429 and status < 500:
                return Outcome(status)
            retry_after = response.headers.get("retry-after", "")
            if retry_after.isdigit():
                await asyncio.sleep(min(float(retry_after), MAX_RETRY_AFTER))
        return Outcome(status)
