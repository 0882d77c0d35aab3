"""Receipts to residents' inboxes (and Web Push), sent after the ledger transaction commits."""

from __future__ import annotations

import logging

from shell.notifications import api as notifications
from shell.wallet.ledger import Receipt
from shell.web.i18n import lazy

log = logging.getLogger("machi.wallet")


async def _send(account_id: int, title: str, body: str, params: dict[str, object]) -> None:
    try:
        await notifications.notify_accounts(
            [account_id], title=title, body=body, url="/wallet", topic="account",
            source="wallet", params=params,
        )  # fmt: skip
    except Exception:  # the money moved; a receipt that fails to send must not undo that
        log.exception("wallet receipt to account %s failed", account_id)


async def payment(payer: int, receipt: Receipt, shop: str) -> None:
    if receipt.replayed:
        return
    await _send(
        payer, lazy("お支払いの控え"),
        lazy("%(shop)sで%(amount)s円を支払いました（ポイント%(points)s円、残高%(cash)s円）。"),
        {"shop": shop, "amount": f"{receipt.amount:,}", "points": f"{-receipt.points:,}",
         "cash": f"{-receipt.cash:,}"},
    )  # fmt: skip


async def refund(payer: int, receipt: Receipt, shop: str) -> None:
    if receipt.replayed:
        return
    await _send(
        payer, lazy("返金のお知らせ"),
        lazy("%(shop)sから%(amount)s円が返金されました（ポイント%(points)s円、残高%(cash)s円）。"),
        {"shop": shop, "amount": f"{receipt.amount:,}", "points": f"{receipt.points:,}",
         "cash": f"{receipt.cash:,}"},
    )  # fmt: skip


async def top_up(owner: int, receipt: Receipt) -> None:
    if receipt.replayed:
        return
    await _send(
        owner, lazy("チャージしました"), lazy("%(amount)s円をチャージしました。"),
        {"amount": f"{receipt.amount:,}"},
    )  # fmt: skip
