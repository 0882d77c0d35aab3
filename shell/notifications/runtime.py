"""Per-process state of the notifications area: its settings and the Web Push sender."""

from __future__ import annotations

import base64
import hmac

from shell.notifications.webpush import Sender, vapid_key
from shell.settings import Settings

_settings: Settings | None = None
_sender: Sender | None = None
_receipt_key: bytes | None = None


def configure(settings: Settings) -> None:
    """Called by ``create_app`` and ``machi worker`` before any notification is sent."""
    global _settings, _sender, _receipt_key
    _settings = settings
    _sender = None
    _receipt_key = None


def settings() -> Settings:
    if _settings is None:
        raise RuntimeError("notifications are not configured: call runtime.configure(settings)")
    return _settings


def vapid_subject(current: Settings) -> str:
    # RFC 8292: a mailto: or https: contact for the push service's operators
    if current.is_https:
        return current.public_url
    return f"mailto:webpush@{current.public_host}"


async def sender() -> Sender:
    global _sender
    if _sender is None:
        current = settings()
        _sender = Sender(
            await vapid_key(), vapid_subject(current), processes=current.push_processes
        )
        await _sender.start_helpers()
    return _sender


async def close() -> None:
    global _sender
    if _sender is not None:
        await _sender.close()
        _sender = None


def receipt_token(item_id: int) -> str:
    """What a device's service worker shows to report that a push arrived (no cookie needed)."""
    global _receipt_key
    if _receipt_key is None:  # the secret may live in a file: read once, not once a message
        _receipt_key = settings().resolved_secret().encode()
    digest = hmac.digest(_receipt_key, f"receipt:{item_id}".encode(), "sha256")
    return base64.urlsafe_b64encode(digest[:18]).decode()


def check_receipt(item_id: int, token: str) -> bool:
    return hmac.compare_digest(receipt_token(item_id), token)
