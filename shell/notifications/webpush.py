"""Web Push (RFC 8030) with message encryption (RFC 8291) and VAPID (RFC 8292), via pywebpush.

One ``Sender`` per process keeps an aiohttp session (so connections to each push service are
reused) and signs one VAPID header per push-service origin, reused until near its expiry, instead of
one per message. A 404 or 410 means the subscription is gone; 429 and 5xx are retried with backoff.
"""

from __future__ import annotations

import asyncio
import base64
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import aiohttp
from cryptography.hazmat.primitives import serialization
from py_vapid import Vapid02
from pywebpush import WebPusher

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


class Sender:
    def __init__(self, vapid: Vapid02, subject: str, *, concurrency: int = 256) -> None:
        self.vapid = vapid
        self.subject = subject
        self._session: aiohttp.ClientSession | None = None
        self._headers: dict[str, tuple[float, dict[str, str]]] = {}
        self.concurrency = asyncio.Semaphore(concurrency)
        self._connections = concurrency

    def session(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=self._connections, ttl_dns_cache=300),
                timeout=aiohttp.ClientTimeout(total=20),
            )
        return self._session

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    def vapid_headers(self, endpoint: str) -> dict[str, str]:
        parts = urlsplit(endpoint)
        audience = f"{parts.scheme}://{parts.netloc}"
        now = time.time()
        cached = self._headers.get(audience)
        if cached is None or cached[0] - now < 3600:
            expires = int(now) + VAPID_LIFETIME
            claims = {"aud": audience, "exp": expires, "sub": self.subject}
            cached = (expires, dict(self.vapid.sign(claims)))
            self._headers[audience] = cached
        return cached[1]

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
        headers = {**self.vapid_headers(subscription["endpoint"]), "Urgency": urgency}
        if topic:
            headers["Topic"] = topic
        pusher = WebPusher(subscription, aiohttp_session=self.session())
        status = 0
        async with self.concurrency:
            for attempt, pause in enumerate((0.0, *RETRIES)):
                if attempt:
                    await asyncio.sleep(pause)
                try:
                    response = await pusher.send_async(
                        payload, headers=dict(headers), ttl=ttl, timeout=20
                    )
                except (TimeoutError, aiohttp.ClientError):
                    status = 0
                    continue
                assert not isinstance(response, str)
                status = response.status
                if status != 429 and status < 500:
                    return Outcome(status)
                retry_after = response.headers.get("Retry-After", "")
                if retry_after.isdigit():
                    await asyncio.sleep(min(float(retry_after), MAX_RETRY_AFTER))
        return Outcome(status)
