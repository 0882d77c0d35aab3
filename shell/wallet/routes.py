"""The resident's wallet: balance, history, top-up through the gateway, paying a shop by its QR,
a one-time code to show; and the gateway's callback."""

from __future__ import annotations

import secrets
from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.params import FromPath, FromQuery, URLEncodedBody
from litestar.response import Redirect

from shell.identity.session import requires_account, session_nonce
from shell.wallet import actions, confirm, qr, queries, receipts
from shell.wallet.gateway import BadCallback, Outcome, PaymentGateway, gateway_for
from shell.wallet.ledger import Refused
from shell.wallet.messages import category_names, kind_names, refusal
from shell.web.i18n import _
from shell.web.security import NO_STORE
from shell.web.templates import render

FormData = URLEncodedBody[dict[str, str]]
TOP_UP_CHOICES = (1000, 3000, 5000, 10000)


def gateway(request: Request[Any, Any, Any]) -> PaymentGateway:
    settings = request.app.state.settings
    return gateway_for(request.app.state.secret, settings.public_url)


def new_key() -> str:
    return secrets.token_urlsafe(16)


def parse_amount(text: str) -> int:
    cleaned = text.strip().replace(",", "").replace("，", "").replace("円", "").replace("¥", "")
    cleaned = cleaned.translate(str.maketrans("０１２３４５６７８９", "0123456789"))
    if not cleaned.isdigit():
        raise Refused("amount")
    return int(cleaned)


async def apply_gateway_outcome(outcome: Outcome) -> None:
    """Credit (once) or fail the top-up the gateway reports on; the receipt after commit."""
    receipt = await actions.credit_top_up(
        outcome.reference, gateway_ref=outcome.gateway_ref, succeeded=outcome.succeeded
    )
    if receipt is not None:
        top_up = await queries.top_up(outcome.reference)
        if top_up is not None:
            await receipts.top_up(top_up["account"], receipt)


class Wallet(Controller):
    path = "/wallet"
    guards = [requires_account]  # noqa: RUF012
    cache_control = NO_STORE

    @get("/", name="wallet")
    async def home(self, request: Request[Any, Any, Any]) -> Response[str]:
        me = request.state.account["id"]
        balances, lots = await queries.balances_and_lots(me)
        context = {
            "balances": balances,
            "lots": lots,
            "history": await queries.history(me),
            "kinds": kind_names(),
            "choices": TOP_UP_CHOICES,
            "key": new_key(),
            "shops": await queries.merchants_of(me),
        }
        return render(request, "wallet/home.html", context)

    @post("/topup", status_code=303)
    async def top_up(self, request: Request[Any, Any, Any], data: FormData) -> Response[Any]:
        me = request.state.account["id"]
        try:
            row = await actions.start_top_up(
                me, parse_amount(data.get("amount", "")), key=data.get("key", "")
            )
        except Refused as exc:
            return await self._error(request, refusal(exc.reason))
        started = await gateway(request).start(
            reference=row["reference"], amount=row["amount"],
            return_url=f"/wallet/topup/{row['reference']}",
        )  # fmt: skip
        return Redirect(started.redirect_url, status_code=303)

    @get("/topup/{reference:str}")
    async def top_up_result(
        self, request: Request[Any, Any, Any], reference: FromPath[str]
    ) -> Response[str]:
        row = await queries.top_up(reference)
        if row is None or row["account"] != request.state.account["id"]:
            return await self._error(request, refusal("top_up_unknown"), status_code=404)
        return render(request, "wallet/topup_result.html", {"top_up": row}, block="status")

    @get("/pay", name="wallet_pay")
    async def scan(
        self, request: Request[Any, Any, Any], qr_text: FromQuery[str] = ""
    ) -> Response[str]:
        """The scanner; with ``qr_text`` (what it read), the shop to pay and the amount form."""
        if not qr_text:
            return render(request, "wallet/scan.html", {"error": ""})
        try:
            shop = await self._shop(qr_text)
        except Refused as exc:
            return render(
                request, "wallet/scan.html", {"error": refusal(exc.reason)}, status_code=400
            )
        context = {"shop": shop, "qr_text": qr_text, "key": new_key(), "error": "",
                   "amount": "", "categories": category_names(),
                   "threshold": request.app.state.settings.wallet_passkey_threshold}  # fmt: skip
        return render(request, "wallet/pay.html", context)

    @post("/pay/options", status_code=200)
    async def pay_options(self, request: Request[Any, Any, Any], data: FormData) -> Response[Any]:
        """A passkey challenge for exactly this payment (above the threshold)."""
        try:
            shop = await self._shop(data.get("qr_text", ""))
            amount = parse_amount(data.get("amount", ""))
        except Refused as exc:
            return Response({"error": refusal(exc.reason)}, status_code=400)
        options = await confirm.options(
            request.app.state.settings, account_id=request.state.account["id"],
            nonce=session_nonce(request), merchant_id=shop["id"], amount=amount,
            key=data.get("key", ""),
        )  # fmt: skip
        return Response({"options": options})

    @post("/pay", status_code=200)
    async def pay(self, request: Request[Any, Any, Any], data: FormData) -> Response[str]:
        me = request.state.account["id"]
        qr_text = data.get("qr_text", "")
        try:
            shop = await self._shop(qr_text)
        except Refused as exc:
            return render(
                request, "wallet/scan.html", {"error": refusal(exc.reason)}, status_code=400
            )
        settings = request.app.state.settings
        key = data.get("key", "")
        try:
            amount = parse_amount(data.get("amount", ""))
            if amount >= settings.wallet_passkey_threshold:
                if not data.get("passkey"):
                    raise Refused("passkey_needed")
                await confirm.check(
                    settings, data["passkey"], account_id=me, nonce=session_nonce(request),
                    merchant_id=shop["id"], amount=amount, key=key,
                )  # fmt: skip
            receipt = await actions.pay_merchant(me, shop["id"], amount, key=key)
        except Refused as exc:
            context = {"shop": shop, "qr_text": qr_text, "key": key,
                       "error": refusal(exc.reason), "amount": data.get("amount", ""),
                       "categories": category_names(),
                       "threshold": settings.wallet_passkey_threshold}  # fmt: skip
            return render(request, "wallet/pay.html", context, block="form", status_code=400)
        await receipts.payment(me, receipt, shop["name"])
        context = {"receipt": receipt, "shop": shop, "balances": await queries.balances(me)}
        return render(request, "wallet/paid.html", context, block="form")

    @get("/code")
    async def one_time_code(self, request: Request[Any, Any, Any]) -> Response[str]:
        code = await actions.issue_one_time_code(request.state.account["id"])
        return render(request, "wallet/code.html", {"code": code, "svg": qr.svg(code),
                                                    "minutes": actions.CODE_MINUTES})  # fmt: skip

    async def _shop(self, qr_text: str) -> dict[str, Any]:
        try:
            parsed = qr.parse_merchant_payload(qr_text)
        except qr.BadCode as exc:
            raise Refused(exc.reason) from exc
        shop = await queries.merchant_by_code(parsed.code)
        if shop is None:
            raise Refused("merchant_unknown")
        if shop["status"] != "approved":
            raise Refused("merchant_unavailable")
        return shop

    async def _error(
        self, request: Request[Any, Any, Any], message: str, status_code: int = 400
    ) -> Response[str]:
        context = {"title": _("できませんでした"), "message": message}
        return render(request, "web/error.html", context, status_code=status_code)


class LocalGatewayPages(Controller):
    """The local gateway's own pages: what a PSP's hosted payment page would be."""

    path = "/wallet/gateway/local"
    guards = [requires_account]  # noqa: RUF012
    cache_control = NO_STORE

    @get("/{reference:str}")
    async def page(
        self, request: Request[Any, Any, Any], reference: FromPath[str]
    ) -> Response[str]:
        row = await queries.top_up(reference)
        if row is None or row["account"] != request.state.account["id"]:
            return render(request, "web/error.html", {"title": _("見つかりません"),
                          "message": refusal("top_up_unknown")}, status_code=404)  # fmt: skip
        return render(request, "wallet/gateway.html", {"top_up": row})

    @post("/{reference:str}", status_code=303)
    async def answer(
        self, request: Request[Any, Any, Any], reference: FromPath[str], data: FormData
    ) -> Redirect:
        row = await queries.top_up(reference)
        if row is not None and row["account"] == request.state.account["id"]:
            local = gateway(request)
            outcome = Outcome(reference, f"local_{reference}", data.get("outcome") == "pay")
            headers, body = local.sign(outcome)  # type: ignore[attr-defined]
            # The gateway calls the shell back exactly as it would over HTTP.
            await apply_gateway_outcome(local.verify_callback(headers, body))
        return Redirect(f"/wallet/topup/{reference}", status_code=303)


@post("/api/wallet/gateway/{name:str}/callback", status_code=200, include_in_schema=False)
async def gateway_callback(request: Request[Any, Any, Any], name: FromPath[str]) -> Response[Any]:
    """Server-to-server: the gateway reports a top-up's result, signed. Replays change nothing."""
    local = gateway(request)
    if name != local.name:
        return Response({"error": "unknown gateway"}, status_code=404)
    try:
        outcome = local.verify_callback(dict(request.headers), await request.body())
        await apply_gateway_outcome(outcome)
    except BadCallback as exc:
        return Response({"error": f"bad callback: {exc}"}, status_code=400)
    except Refused as exc:
        return Response({"error": exc.reason}, status_code=409)
    return Response({"ok": True})
