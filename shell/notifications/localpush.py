"""A push service that runs here: for demos, the tests and ``machi bench push``.

It plays the part of a browser vendor's push service (RFC 8030) *and* of the browser behind it:
``POST /subscriptions`` makes a subscription with a fresh P-256 key pair and auth secret, as
``pushManager.subscribe`` would, and answers the subscription JSON a page would send to the shell.
``POST /push/{id}`` accepts a message only with a valid VAPID authorisation (RFC 8292) for this
origin, decrypts it with the subscriber's private key (RFC 8291, aes128gcm) and keeps the
plaintext; ``GET /subscriptions/{id}/messages`` hands the plaintexts to whoever plays the device
(an end-to-end test forwards them to Chromium's service worker). ``DELETE /subscriptions/{id}``
expires a subscription, after which pushes to it get 410 Gone, as from a real service.
"""

from __future__ import annotations

import json
import secrets
import statistics
import time
from dataclasses import dataclass, field
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from litestar import Litestar, Request, delete, get, post
from litestar.exceptions import HTTPException
from litestar.params import FromPath, FromQuery
from litestar.response import Response
from litestar.types import ASGIApp

from shell.notifications import ece


@dataclass
class Device:
    private_key: ec.EllipticCurvePrivateKey
    public_key: bytes  # uncompressed point, as in the subscription's p256dh
    auth_secret: bytes
    messages: list[dict[str, Any]] = field(default_factory=list)
    gone: bool = False


class LocalPushService:
    def __init__(self, base_url: str) -> None:
        self.base_url = base_url.rstrip("/")
        self.devices: dict[str, Device] = {}
        self.accepted = 0
        self.refused = 0
        self._vapid_keys: dict[str, ec.EllipticCurvePublicKey] = {}
        # an authorization header (token and key) already checked -> the token's expiry
        self._verified: dict[str, float] = {}

    def subscribe(self) -> dict[str, Any]:
        key = ec.generate_private_key(ec.SECP256R1())
        device_id = secrets.token_urlsafe(16)
        public = key.public_key().public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
        )
        self.devices[device_id] = Device(key, public, secrets.token_bytes(16))
        return {
            "id": device_id,
            "endpoint": f"{self.base_url}/push/{device_id}",
            "expirationTime": None,
            "keys": {
                "p256dh": ece.b64encode(public),
                "auth": ece.b64encode(self.devices[device_id].auth_secret),
            },
        }

    def _check_vapid(self, authorization: str) -> None:
        if self._verified.get(authorization, 0) > time.time():
            return  # this token, with this key, was checked before and has not expired
        # "vapid t=<jwt>, k=<public key>" (RFC 8292 section 3)
        scheme, _, rest = authorization.partition(" ")
        params = dict(part.strip().split("=", 1) for part in rest.split(",") if "=" in part)
        if scheme.lower() != "vapid" or "t" not in params or "k" not in params:
            raise HTTPException(status_code=401, detail="VAPID authorisation required")
        key = self._vapid_keys.get(params["k"])
        if key is None:
            try:
                key = ec.EllipticCurvePublicKey.from_encoded_point(
                    ec.SECP256R1(), ece.b64decode(params["k"])
                )
            except ValueError:
                raise HTTPException(status_code=403, detail="VAPID key malformed") from None
            self._vapid_keys[params["k"]] = key
        origin = self.base_url.split("/", 3)
        try:
            claims = jwt.decode(
                params["t"], key, algorithms=["ES256"], audience=f"{origin[0]}//{origin[2]}"
            )
        except jwt.PyJWTError as exc:
            raise HTTPException(status_code=403, detail=f"VAPID token refused: {exc}") from None
        if not str(claims.get("sub", "")).startswith(("mailto:", "https:")):
            raise HTTPException(status_code=403, detail="VAPID sub must be mailto: or https:")
        if claims["exp"] > time.time() + 24 * 3600:
            raise HTTPException(status_code=403, detail="VAPID token lives over 24 hours")
        if len(self._verified) >= 1000:
            self._verified.clear()
        self._verified[authorization] = float(claims["exp"])

    def receive(self, device_id: str, headers: dict[str, str], body: bytes) -> int:
        device = self.devices.get(device_id)
        if device is None:
            self.refused += 1
            return 404
        if device.gone:
            self.refused += 1
            return 410
        self._check_vapid(headers.get("authorization", ""))
        if headers.get("content-encoding") != "aes128gcm":
            raise HTTPException(status_code=415, detail="aes128gcm required")
        try:
            plaintext = ece.decrypt(body, device.private_key, device.public_key, device.auth_secret)
            data = plaintext.decode()
        except ValueError:  # a real service could not tell; the device (and so the test) can
            raise HTTPException(status_code=400, detail="undecryptable") from None
        device.messages.append(
            {
                "data": data,
                "ttl": headers.get("ttl"),
                "urgency": headers.get("urgency", "normal"),
                "topic": headers.get("topic"),
                "received_at": time.time(),
            }
        )
        self.accepted += 1
        return 201

    def asgi(self) -> ASGIApp:
        service = self

        @post("/subscriptions", status_code=201)
        async def subscribe() -> dict[str, Any]:
            return service.subscribe()

        @post("/subscriptions/batch", status_code=201)
        async def subscribe_many(count: FromQuery[int] = 1) -> list[dict[str, Any]]:
            """Many devices at once (benchmarks)."""
            return [service.subscribe() for _ in range(max(0, min(count, 200_000)))]

        @post("/push/{device_id:str}", status_code=201)
        async def push(device_id: FromPath[str], request: Request[Any, Any, Any]) -> Response[None]:
            status = service.receive(device_id, dict(request.headers), await request.body())
            return Response(None, status_code=status)

        @get("/subscriptions/{device_id:str}/messages")
        async def messages(device_id: FromPath[str]) -> list[dict[str, Any]]:
            device = service.devices.get(device_id)
            if device is None:
                raise HTTPException(status_code=404)
            return device.messages

        @delete("/subscriptions/{device_id:str}", status_code=204)
        async def expire(device_id: FromPath[str]) -> None:
            if device_id in service.devices:
                service.devices[device_id].gone = True

        @get("/stats")
        async def stats(
            title: FromQuery[str] = "", since: FromQuery[float] = 0.0
        ) -> dict[str, float]:
            """Counts; with ``title``, also how many decrypted payloads carry exactly that title
            and, with ``since`` (epoch seconds), how long after it they arrived (percentiles)."""
            found: dict[str, float] = {"accepted": service.accepted, "refused": service.refused}
            if title:
                arrivals = [
                    message["received_at"]
                    for device in service.devices.values()
                    for message in device.messages
                    if json.loads(message["data"]).get("title") == title
                ]
                found["matching"] = len(arrivals)
                if since and len(arrivals) > 1:
                    cuts = statistics.quantiles(
                        [(at - since) * 1000 for at in arrivals], n=100, method="inclusive"
                    )
                    found.update(p50_ms=cuts[49], p95_ms=cuts[94], p99_ms=cuts[98])
            return found

        app = Litestar([subscribe, subscribe_many, push, messages, expire, stats])
        return app


def create_from_env() -> ASGIApp:
    """For ``uvicorn --factory shell.notifications.localpush:create_from_env``; the service's
    own URL comes from ``MACHI_LOCAL_PUSH_URL``. (``python -m shell.notifications.localserver``
    serves the same service faster.)"""
    import os

    return LocalPushService(os.environ["MACHI_LOCAL_PUSH_URL"]).asgi()
