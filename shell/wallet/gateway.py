"""Payment gateways for top-ups, behind one interface.

A real PSP adapter implements :class:`PaymentGateway`: it starts a payment and returns where to
send the resident (redirect), and later calls the shell back server-to-server with a signed
result (callback) that :meth:`verify_callback` checks. :class:`LocalGateway` is the embedded
default: a working gateway whose "card page" is served by the shell itself at
``/wallet/gateway/local/{reference}``; it signs its callbacks with the city's secret like a PSP
signs with a shared key, can be told to fail, and never answers a top-up the resident abandons
(which then times out).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True)
class Started:
    redirect_url: str
    gateway_ref: str


@dataclass(frozen=True)
class Outcome:
    reference: str
    gateway_ref: str
    succeeded: bool


class BadCallback(Exception):
    pass


class PaymentGateway(Protocol):
    name: str

    async def start(self, *, reference: str, amount: int, return_url: str) -> Started:
        """Open a payment at the gateway; the resident is sent to ``redirect_url``."""
        ...

    def verify_callback(self, headers: dict[str, str], body: bytes) -> Outcome:
        """Check the signature of a callback and read it; raise :class:`BadCallback`."""
        ...


CALLBACK_TOLERANCE_SECONDS = 300


class LocalGateway:
    name = "local"

    def __init__(self, secret: str, public_url: str) -> None:
        self._key = hashlib.sha256(f"wallet-gateway:{secret}".encode()).digest()
        self.public_url = public_url.rstrip("/")

    async def start(self, *, reference: str, amount: int, return_url: str) -> Started:
        return Started(f"/wallet/gateway/local/{reference}", f"local_{reference}")

    def sign(self, outcome: Outcome, *, at: int | None = None) -> tuple[dict[str, str], bytes]:
        """What the gateway sends when it calls back: headers and body."""
        body = json.dumps(
            {"reference": outcome.reference, "gateway_ref": outcome.gateway_ref,
             "status": "succeeded" if outcome.succeeded else "failed"}
        ).encode()  # fmt: skip
        stamp = str(at if at is not None else int(time.time()))
        mac = hmac.new(self._key, stamp.encode() + b"." + body, hashlib.sha256).hexdigest()
        return {"x-gateway-timestamp": stamp, "x-gateway-signature": mac}, body

    def verify_callback(self, headers: dict[str, str], body: bytes) -> Outcome:
        stamp = headers.get("x-gateway-timestamp", "")
        given = headers.get("x-gateway-signature", "")
        if not stamp.isdigit() or abs(time.time() - int(stamp)) > CALLBACK_TOLERANCE_SECONDS:
            raise BadCallback("timestamp")
        mac = hmac.new(self._key, stamp.encode() + b"." + body, hashlib.sha256).hexdigest()
        if not hmac.compare_digest(mac, given):
            raise BadCallback("signature")
        try:
            data = json.loads(body)
            return Outcome(str(data["reference"]), str(data["gateway_ref"]),
                           data["status"] == "succeeded")  # fmt: skip
        except (ValueError, KeyError, TypeError) as exc:
            raise BadCallback("body") from exc


def gateway_for(secret: str, public_url: str) -> PaymentGateway:
    """The gateway the settings choose (only the local one ships today)."""
    return LocalGateway(secret, public_url)
