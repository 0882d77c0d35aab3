"""Payments a mini-app asks for: the app requests, the resident confirms in a sheet the shell
draws, the ledger moves the money to the app's merchant account, and the app is told by a signed
webhook (Standard Webhooks: ``webhook-id``, ``webhook-timestamp``, ``webhook-signature`` =
``v1,`` + base64 HMAC-SHA256 of ``id.timestamp.body``) retried through ``shell.jobs`` until its
server answers 2xx, and by the bridge's result."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import json
import logging
import secrets
import time
from typing import Any

import httpx

from shell import jobs
from shell.wallet import actions, ledger
from shell.wallet.ledger import Receipt, Refused
from shell.wallet.tables import Merchant, PaymentRequest, WebhookDelivery

log = logging.getLogger("machi.wallet.webhooks")
_secret: list[str] = []  # the running shell's secret, set by the first request that pays


def use_secret(secret: str) -> None:
    _secret[:] = [secret]


def current_secret() -> str:
    if _secret:
        return _secret[0]
    from shell.settings import Settings

    return Settings.from_env().resolved_secret()


MAX_ATTEMPTS = 8
DESCRIPTION_MAX = 200


def webhook_secret(shell_secret: str, app_id: str) -> str:
    """The app's signing secret (``whsec_`` + base64), derived so nothing extra is stored;
    ``machi apps webhook-secret SLUG`` prints it for the partner."""
    raw = hmac.new(shell_secret.encode(), f"wallet-webhook:{app_id}".encode(), hashlib.sha256)
    return "whsec_" + base64.b64encode(raw.digest()).decode()


def sign(secret: str, message_id: str, timestamp: int, body: bytes) -> str:
    key = base64.b64decode(secret.removeprefix("whsec_"))
    signed = f"{message_id}.{timestamp}.".encode() + body
    return "v1," + base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()


async def app_merchant(app_id: str, name: str) -> int:
    """The merchant an app's payments go to (one per app, approved with the app itself)."""
    code = f"APP-{app_id}"[:32]
    row = await Merchant.select(Merchant.id).where(Merchant.code == code).first()
    if row is not None:
        return int(row["id"])
    await Merchant.insert(
        Merchant(code=code, name=name[:100], category="service", status="approved")
    ).on_conflict(action="DO NOTHING")
    row = await Merchant.select(Merchant.id).where(Merchant.code == code).first()
    assert row is not None
    return int(row["id"])


async def create_request(
    *, app_id: str, app_name: str, account_id: int, amount: int, description: str, reference: str
) -> dict[str, Any]:
    """A pending request (the same app reference returns the same request)."""
    actions._check_amount(amount)
    description = description.strip()
    if not description or len(description) > DESCRIPTION_MAX:
        raise Refused("description")
    if not reference or len(reference) > 100:
        raise Refused("idempotency_key")
    merchant = await app_merchant(app_id, app_name)
    await PaymentRequest.insert(
        PaymentRequest(
            public_id="pr_" + secrets.token_urlsafe(18), app_id=app_id,
            app_key=f"{app_id}:{reference}", account=account_id, merchant=merchant,
            amount=amount, description=description,
        )
    ).on_conflict(target=PaymentRequest.app_key, action="DO NOTHING")  # fmt: skip
    row = (
        await PaymentRequest.select()
        .where(PaymentRequest.app_key == f"{app_id}:{reference}")
        .first()
    )
    assert row is not None
    if (row["account"], row["amount"], row["description"]) != (account_id, amount, description):
        raise Refused("idempotency_key_reused")
    return row  # type: ignore[no-any-return]


async def request_for(public_id: str, account_id: int) -> dict[str, Any]:
    row = await PaymentRequest.select().where(PaymentRequest.public_id == public_id).first()
    if row is None or row["account"] != account_id:
        raise Refused("request_unknown")
    return row  # type: ignore[no-any-return]


async def confirm(public_id: str, account_id: int) -> tuple[dict[str, Any], Receipt]:
    """The resident said yes: pay once (the request id is the idempotency key)."""
    row = await request_for(public_id, account_id)
    if row["status"] == "cancelled":
        raise Refused("request_closed")
    receipt = await actions.pay_merchant(
        account_id, row["merchant"], row["amount"], key=f"request:{public_id}",
        memo=row["description"],
    )  # fmt: skip
    await PaymentRequest.update(
        {PaymentRequest.status: "paid", PaymentRequest.ledger_transaction: receipt.transaction_id}
    ).where((PaymentRequest.id == row["id"]) & (PaymentRequest.status == "pending"))
    row["status"] = "paid"
    return row, receipt


async def cancel(public_id: str, account_id: int) -> dict[str, Any]:
    row = await request_for(public_id, account_id)
    await PaymentRequest.update({PaymentRequest.status: "cancelled"}).where(
        (PaymentRequest.id == row["id"]) & (PaymentRequest.status == "pending")
    )
    return await request_for(public_id, account_id)


def public_view(row: dict[str, Any]) -> dict[str, Any]:
    """What the app may know of a request (never the resident's account)."""
    return {
        "id": row["public_id"],
        "status": row["status"],
        "amount": row["amount"],
        "description": row["description"],
        "reference": row["app_key"].split(":", 1)[1],
    }


async def queue_webhook(row: dict[str, Any], url: str, event: str) -> None:
    """Record the webhook owed (idempotent per request and event) and try it now in the jobs."""
    if not url:
        return
    message_id = f"msg_{row['public_id']}_{event}"[:64]
    payload = {"type": f"payment.{event}", "timestamp": dt.datetime.now(dt.UTC).isoformat(),
               "data": public_view(row)}  # fmt: skip
    await WebhookDelivery.insert(
        WebhookDelivery(message_id=message_id, app_id=row["app_id"], url=url, payload=payload)
    ).on_conflict(action="DO NOTHING")
    try:
        await jobs.enqueue("wallet.deliver_webhook", message_id=message_id)
    except RuntimeError:  # no job runner in this process (a CLI, a test): the sweep sends it
        log.info("webhook %s queued for the periodic sweep", message_id)


async def deliver(
    message_id: str, *, shell_secret: str, client: httpx.AsyncClient | None = None
) -> bool:
    """Send one owed webhook; True when the app answered 2xx (or it was already delivered)."""
    row = await WebhookDelivery.select().where(WebhookDelivery.message_id == message_id).first()
    if row is None or row["delivered_at"] is not None:
        return True
    if row["attempts"] >= MAX_ATTEMPTS:
        return False
    payload = row["payload"] if isinstance(row["payload"], dict) else json.loads(row["payload"])
    body = json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode()
    stamp = int(time.time())
    signature = sign(webhook_secret(shell_secret, row["app_id"]), message_id, stamp, body)
    headers = {
        "content-type": "application/json",
        "webhook-id": message_id,
        "webhook-timestamp": str(stamp),
        "webhook-signature": signature,
    }
    error = ""
    try:
        if client is not None:
            response = await client.post(row["url"], content=body, headers=headers, timeout=10)
        else:
            async with httpx.AsyncClient(timeout=10) as fresh:
                response = await fresh.post(row["url"], content=body, headers=headers)
        ok = response.is_success
        error = "" if ok else f"http {response.status_code}"
    except httpx.HTTPError as exc:
        ok, error = False, type(exc).__name__
    await WebhookDelivery.update({
        WebhookDelivery.attempts: WebhookDelivery.attempts + 1,
        WebhookDelivery.last_error: error[:200],
        WebhookDelivery.delivered_at: dt.datetime.now(dt.UTC) if ok else None,
    }).where(WebhookDelivery.message_id == message_id)  # fmt: skip
    return ok


async def owed(now: dt.datetime | None = None) -> list[str]:
    """Undelivered webhooks whose back-off (30 s doubling per attempt) has passed."""
    now = now or dt.datetime.now(dt.UTC)
    rows = await WebhookDelivery.select(
        WebhookDelivery.message_id, WebhookDelivery.attempts, WebhookDelivery.created_at
    ).where(WebhookDelivery.delivered_at.is_null() & (WebhookDelivery.attempts < MAX_ATTEMPTS))
    due = []
    for row in rows:
        created = actions._aware(row["created_at"])
        assert created is not None
        wait = dt.timedelta(seconds=30 * (2 ** row["attempts"] - 1))
        if created + wait <= now:
            due.append(row["message_id"])
    return due


__all__ = ["ledger"]


async def refund(
    app_id: str, reference: str, amount: int, refund_reference: str
) -> tuple[dict[str, Any], Receipt]:
    """Give back all or part of a paid request of ``app_id`` (found by the app's own reference) to
    the accounts it was paid from. ``refund_reference`` is the app's id for this refund: the same
    one twice refunds once. Never more than was paid, less what was refunded before."""
    if not refund_reference or len(refund_reference) > 100:
        raise Refused("idempotency_key")
    row = (
        await PaymentRequest.select()
        .where(PaymentRequest.app_key == f"{app_id}:{reference}")
        .first()
    )
    if row is None or row["status"] != "paid" or row["ledger_transaction"] is None:
        raise Refused("payment_unknown")
    receipt = await actions.refund(
        row["ledger_transaction"], amount, merchant_id=row["merchant"],
        key=f"apprefund:{app_id}:{refund_reference}",
    )  # fmt: skip
    return row, receipt


async def refunded(row: dict[str, Any]) -> int:
    return await actions.refunded_so_far(row["ledger_transaction"])
