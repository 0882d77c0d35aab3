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
import contextlib
import functools
import time
from collections.abc import Awaitable
from dataclasses import dataclass
from typing import Any

from cryptography.hazmat.primitives import serialization
from py_vapid import Vapid02

from shell.db import Prepared
from shell.notifications import ece
from shell.notifications.encryptors import Encryptors
from shell.notifications.pushhttp import PushClient, PushHTTPError, header_lines
from shell.notifications.tables import VapidKey

VAPID_LIFETIME = 12 * 3600  # RFC 8292 allows up to 24 hours
RETRIES = (0.5, 2.0, 5.0)  # seconds before each retry of a 429 or 5xx
MAX_RETRY_AFTER = 30.0


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
    return ece.b64encode(raw)


# the settings page shows the public key on every visit: the row's own, its SQL built once
_oldest_public_key = Prepared(
    lambda: VapidKey.select(VapidKey.public_key).order_by(VapidKey.id).first()
)


async def application_server_key() -> str:
    """The public key browsers need for ``pushManager.subscribe`` (base64url): the one stored
    beside the private key, which is parsed only where messages are signed."""
    row = await _oldest_public_key()
    if row is None:  # before the first push: made now, as it would be then
        return _public(await vapid_key())
    return str(row["public_key"])


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


def _spread(ones: list[asyncio.Future[bytes]], chunk: asyncio.Future[list[bytes]]) -> None:
    """Hand each message of an encrypted chunk its body (or the chunk's failure)."""
    failed = None if chunk.cancelled() else chunk.exception()
    for n, one in enumerate(ones):
        if one.done():
            continue
        if failed is not None or chunk.cancelled():
            one.set_exception(failed or ConnectionError("encryption cancelled"))
        else:
            one.set_result(chunk.result()[n])


def _nothing(loop: asyncio.AbstractEventLoop) -> asyncio.Future[bytes]:
    """A body that is not coming: ``send`` encrypts the message itself."""
    none: asyncio.Future[bytes] = loop.create_future()
    none.set_exception(ConnectionError("no encryption helper"))
    return none


# Parsed subscriber keys kept per sender: a town's subscriptions, and dropped whole past this.
KEY_CACHE = 200_000


# A broadcast's messages are encrypted by helper processes in chunks of this many, once there are
# at least POOL_MIN of them (fewer are encrypted in place: a chunk's round trip costs about as much
# as encrypting ten).
POOL_CHUNK = 100
POOL_MIN = 200


class Sender:
    def __init__(
        self, vapid: Vapid02, subject: str, *, concurrency: int = 256, processes: int = 0
    ) -> None:
        self.vapid = vapid
        self.subject = subject
        self.processes = processes
        self._helpers: Encryptors | None = None
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
        if self._helpers is not None:
            await self._helpers.close()
            self._helpers = None

    async def start_helpers(self) -> None:
        """Start the encryption helper processes (``processes`` of them), once."""
        if self.processes and self._helpers is None:
            self._helpers = Encryptors(self.processes)
            await self._helpers.start()

    def helper_pids(self) -> list[int]:
        """The helper processes' ids (a benchmark counts their CPU time)."""
        return [] if self._helpers is None else self._helpers.pids

    def encrypt_later(
        self, messages: list[tuple[bytes, str, str]]
    ) -> list[asyncio.Future[bytes]] | None:
        """The bodies of many messages, each (payload, the subscription's p256dh key, its auth
        secret), encrypted by the helper processes in chunks as they come; None when they are
        better encrypted in ``send``."""
        if self._helpers is None or len(messages) < POOL_MIN:
            return None
        loop = asyncio.get_running_loop()
        bodies: list[asyncio.Future[bytes]] = []
        for start in range(0, len(messages), POOL_CHUNK):
            chunk = messages[start : start + POOL_CHUNK]
            encrypted = self._helpers.encrypt(chunk)
            if encrypted is None:  # no helper left: the rest in place
                return bodies + [_nothing(loop) for _ in messages[start:]] if bodies else None
            ones: list[asyncio.Future[bytes]] = [loop.create_future() for _ in chunk]
            encrypted.add_done_callback(functools.partial(_spread, ones))
            bodies += ones
        return bodies

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
        body: Awaitable[bytes] | None = None,
    ) -> Outcome:
        """Encrypt ``payload`` for the subscription (unless ``body``, from ``encrypt_later``,
        brings it encrypted) and post it, retrying 429 and 5xx."""
        endpoint = subscription["endpoint"]
        lines = self._header_lines(endpoint, ttl, urgency, topic)
        encrypted = None
        if body is not None:
            # if its helper died (logged once there), the message is encrypted here instead
            with contextlib.suppress(Exception):
                encrypted = await body
        if encrypted is None:
            encrypted = self.encrypt(subscription, payload)
        client = self.client()
        status = 0
        for attempt, pause in enumerate((0.0, *RETRIES)):
            if attempt:
                await asyncio.sleep(pause)
            try:
                response = await client.post(endpoint, lines, encrypted, seconds=20)
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
