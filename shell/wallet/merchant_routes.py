"""The merchant console: the shop's printable QR, incoming payments as they arrive, refunds,
the daily settlement as CSV, and applying to accept the wallet."""

from __future__ import annotations

import csv
import datetime as dt
import io
from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.exceptions import NotFoundException, PermissionDeniedException
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect

from shell.identity.session import requires_account
from shell.wallet import actions, payouts, qr, queries, receipts
from shell.wallet.actions import MERCHANT_CATEGORIES
from shell.wallet.ledger import Refused
from shell.wallet.messages import (
    category_names,
    payout_status_names,
    refusal,
    return_reason_names,
)
from shell.wallet.queries import TOKYO
from shell.wallet.routes import FormData, new_key, parse_amount
from shell.web.security import NO_STORE
from shell.web.templates import render


def payload_of(shop: dict[str, Any]) -> str:
    return qr.merchant_payload(shop["code"], name_ascii=f"MACHI {shop['code']}")


class MerchantConsole(Controller):
    path = "/wallet/shop"
    guards = [requires_account]  # noqa: RUF012
    cache_control = NO_STORE

    async def _shop(
        self, request: Request[Any, Any, Any], shop_id: int, *, refund: bool = False
    ) -> dict[str, Any]:
        role = await queries.merchant_role(request.state.account["id"], shop_id)
        if role is None:
            raise NotFoundException()
        if refund and role != "owner":
            raise PermissionDeniedException()
        shop = await queries.merchant(shop_id)
        if shop is None:
            raise NotFoundException()
        shop["role"] = role
        return shop

    @get("/new")
    async def apply_page(self, request: Request[Any, Any, Any]) -> Response[str]:
        return render(request, "wallet/shop_new.html", {"categories": category_names(), "error": "",
                                                        "form": {}})  # fmt: skip

    @post("/new", status_code=303)
    async def apply(self, request: Request[Any, Any, Any], data: FormData) -> Response[Any]:
        try:
            shop_id = await actions.register_merchant(
                name=data.get("name", ""), category=data.get("category", ""),
                owner=request.state.account["id"],
            )  # fmt: skip
        except Refused as exc:
            context = {"categories": category_names(), "error": refusal(exc.reason), "form": data}
            return render(request, "wallet/shop_new.html", context, status_code=400)
        return Redirect(f"/wallet/shop/{shop_id}", status_code=303)

    @get("/join")
    async def join_page(self, request: Request[Any, Any, Any]) -> Response[str]:
        return render(request, "wallet/shop_join.html", {"error": ""})

    @post("/join", status_code=303)
    async def join(self, request: Request[Any, Any, Any], data: FormData) -> Response[Any]:
        try:
            shop_id = await actions.join_shop(
                request.app.state.secret, data.get("code", ""), request.state.account["id"]
            )
        except Refused as exc:
            context = {"error": refusal(exc.reason)}
            return render(request, "wallet/shop_join.html", context, status_code=400)
        return Redirect(f"/wallet/shop/{shop_id}", status_code=303)

    @post("/{shop_id:int}/staff", status_code=200)
    async def staff(
        self, request: Request[Any, Any, Any], shop_id: FromPath[int], data: FormData
    ) -> Response[str]:
        """The owner makes an invite code, or removes a staff member."""
        shop = await self._shop(request, shop_id, refund=True)
        invite = ""
        if data.get("remove", "").isdigit():
            await actions.remove_staff(shop_id, int(data["remove"]))
        else:
            invite = actions.staff_invite(request.app.state.secret, shop_id)
        return render(request, "wallet/shop.html", await self._context(shop, invite=invite))

    @get("/{shop_id:int}")
    async def console(
        self, request: Request[Any, Any, Any], shop_id: FromPath[int]
    ) -> Response[str]:
        shop = await self._shop(request, shop_id)
        return render(request, "wallet/shop.html", await self._context(shop))

    @get("/{shop_id:int}/incoming")
    async def incoming(
        self, request: Request[Any, Any, Any], shop_id: FromPath[int]
    ) -> Response[str]:
        """The live list: the console polls this every few seconds (htmx)."""
        shop = await self._shop(request, shop_id)
        return render(request, "wallet/shop.html", await self._context(shop), block="incoming")

    async def _context(self, shop: dict[str, Any], **extra: Any) -> dict[str, Any]:
        return {"shop": shop, "payments": await queries.incoming(shop["id"]),
                "balance": await queries.merchant_balance(shop["id"]), "key": new_key(),
                "today": dt.datetime.now(TOKYO).date().isoformat(),
                "categories": category_names(), "refund_error": "", "refund_for": None,
                "charge_error": "", "charged": 0, "invite": "",
                "members": await queries.members(shop["id"]) if shop["role"] == "owner" else [],
                "payouts": await payouts.payouts_of_merchant(shop["id"]),
                "payout_statuses": payout_status_names(), "return_reasons": return_reason_names(),
                "bank": await payouts.bank_account(shop["id"]) if shop["role"] == "owner"
                else None,
                "bank_error": "", "bank_saved": False, "bank_form": {},
                **extra}  # fmt: skip

    @post("/{shop_id:int}/bank", status_code=200)
    async def bank(
        self, request: Request[Any, Any, Any], shop_id: FromPath[int], data: FormData
    ) -> Response[str]:
        """The owner sets the account the city pays the shop's takings into."""
        shop = await self._shop(request, shop_id, refund=True)
        try:
            await payouts.set_bank_account(
                shop_id, bank_code=data.get("bank_code", ""),
                branch_code=data.get("branch_code", ""),
                account_type=data.get("account_type", ""),
                account_number=data.get("account_number", ""), holder=data.get("holder", ""),
            )  # fmt: skip
        except Refused as exc:
            context = await self._context(shop, bank_error=refusal(exc.reason), bank_form=data)
            return render(request, "wallet/shop.html", context, status_code=400)
        return render(request, "wallet/shop.html", await self._context(shop, bank_saved=True))

    @get("/{shop_id:int}/qr.svg", media_type="image/svg+xml")
    async def qr_image(
        self, request: Request[Any, Any, Any], shop_id: FromPath[int]
    ) -> Response[str]:
        shop = await self._shop(request, shop_id)
        return Response(qr.svg(payload_of(shop)), media_type="image/svg+xml")

    @get("/{shop_id:int}/poster")
    async def poster(
        self, request: Request[Any, Any, Any], shop_id: FromPath[int]
    ) -> Response[str]:
        shop = await self._shop(request, shop_id)
        return render(request, "wallet/poster.html", {"shop": shop, "svg": qr.svg(payload_of(shop)),
                                                      "payload": payload_of(shop)})  # fmt: skip

    @post("/{shop_id:int}/refund", status_code=200)
    async def refund(
        self, request: Request[Any, Any, Any], shop_id: FromPath[int], data: FormData
    ) -> Response[str]:
        shop = await self._shop(request, shop_id, refund=True)
        payment_id = int(data.get("payment", "0") or 0) if data.get("payment", "").isdigit() else 0
        try:
            receipt = await actions.refund(
                payment_id, parse_amount(data.get("amount", "")), merchant_id=shop_id,
                key=data.get("key", ""),
            )  # fmt: skip
        except Refused as exc:
            context = await self._context(
                shop, refund_error=refusal(exc.reason), refund_for=payment_id
            )
            return render(request, "wallet/shop.html", context, block="incoming", status_code=400)
        payment = await queries.payment(payment_id)
        if payment and payment["payer"]:
            await receipts.refund(payment["payer"], receipt, shop["name"])
        return render(request, "wallet/shop.html", await self._context(shop), block="incoming")

    @post("/{shop_id:int}/charge", status_code=200)
    async def charge(
        self, request: Request[Any, Any, Any], shop_id: FromPath[int], data: FormData
    ) -> Response[str]:
        """The resident shows a one-time code; the shop scans or types it and the amount."""
        shop = await self._shop(request, shop_id)
        try:
            receipt = await actions.charge_one_time_code(
                data.get("code", "").strip(), shop_id, parse_amount(data.get("amount", "")),
                key=data.get("key", ""),
            )  # fmt: skip
        except Refused as exc:
            context = await self._context(shop, charge_error=refusal(exc.reason))
            return render(request, "wallet/shop.html", context, status_code=400)
        payment = await queries.payment(receipt.transaction_id)
        if payment and payment["payer"]:
            await receipts.payment(payment["payer"], receipt, shop["name"])
        context = await self._context(shop, charged=receipt.amount)
        return render(request, "wallet/shop.html", context)

    @get("/{shop_id:int}/settlement.csv")
    async def settlement(
        self, request: Request[Any, Any, Any], shop_id: FromPath[int], day: FromQuery[str] = ""
    ) -> Response[bytes]:
        shop = await self._shop(request, shop_id)
        try:
            chosen = dt.date.fromisoformat(day) if day else dt.datetime.now(TOKYO).date()
        except ValueError:
            chosen = dt.datetime.now(TOKYO).date()
        rows = await queries.settlement(shop_id, chosen)
        return csv_response(settlement_csv(rows), f"settlement-{shop['code']}-{chosen}.csv")


def settlement_csv(rows: list[dict[str, Any]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["transaction_id", "time_jst", "kind", "amount_yen", "refund_of"])
    total = 0
    for row in rows:
        sign = 1 if row["kind"] == "payment" else -1
        total += sign * row["amount"]
        created = actions._aware(row["created_at"])
        assert created is not None
        writer.writerow([row["id"], created.astimezone(TOKYO).isoformat(timespec="seconds"),
                         row["kind"], sign * row["amount"], row["related"] or ""])  # fmt: skip
    writer.writerow(["total", "", "", total, ""])
    return out.getvalue()


def csv_response(text: str, filename: str) -> Response[bytes]:
    # A BOM so that spreadsheet software in Japan opens UTF-8 correctly.
    return Response(
        ("\ufeff" + text).encode(), media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )  # fmt: skip


__all__ = ["MERCHANT_CATEGORIES", "MerchantConsole"]
