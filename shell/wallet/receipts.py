"""Receipts to residents' inboxes (and Web Push), sent after the ledger transaction commits."""

from __future__ import annotations

import logging

from shell.notifications import api as notifications
from shell.wallet.ledger import Receipt
from shell.wallet.tables import MerchantMember
from shell.web.i18n import lazy

log = logging.getLogger("machi.wallet")


async def _send(
    account_id: int, title: str, body: str, params: dict[str, object], url: str = "/wallet"
) -> None:
    try:
        await notifications.notify_accounts(
            [account_id], title=title, body=body, url=url, topic="account",
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


async def payout_returned(receipt: Receipt, shop_id: int, shop: str) -> None:
    """Tell the shop's owners that the bank returned a transfer to them (振込不能)."""
    if receipt.replayed:
        return
    owners = await MerchantMember.select(MerchantMember.account).where(
        (MerchantMember.merchant == shop_id) & (MerchantMember.role == "owner")
    )
    for owner in owners:
        await _send(
            owner["account"], lazy("売上の振込が戻ってきました"),
            lazy("%(shop)sへの%(amount)s円の振込ができませんでした。お金は売上に戻り、次の振込に"
                 "含まれます。お店の画面で理由を確かめ、振込先の口座を直してください。"),
            {"shop": shop, "amount": f"{receipt.amount:,}"}, url=f"/wallet/shop/{shop_id}",
        )  # fmt: skip
