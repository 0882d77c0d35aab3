"""Mini-app payments over HTTP: the shell's confirmation sheet (opened by the bridge's ``pay``
or at a request's ``confirm_url``) and the Platform API's ``/api/v1/payments`` (scope
``wallet.pay``)."""

from __future__ import annotations

from typing import Any

import msgspec
from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody, URLEncodedBody

from shell.developer.tables import PartnerApp
from shell.identity.session import requires_account
from shell.miniapp_host import queries as host_queries
from shell.miniapp_host.registry import HostedApp
from shell.platform_api import errors
from shell.platform_api.auth import Caller
from shell.wallet import apppay, queries, receipts
from shell.wallet.ledger import Refused
from shell.wallet.messages import refusal
from shell.web.i18n import _
from shell.web.security import NO_STORE
from shell.web.templates import render


async def webhook_url_for(app_id: str) -> str:
    row = await PartnerApp.select(PartnerApp.webhook_url).where(PartnerApp.slug == app_id).first()
    return str(row["webhook_url"]) if row else ""


async def _app_name(request: Request[Any, Any, Any], app_id: str) -> str:
    app = await request.app.state.miniapps.aget(app_id, live=True)
    return str(app.name) if app else app_id


async def after_payment(row: dict[str, Any], receipt: Any, shop: str, secret: str) -> None:
    apppay.use_secret(secret)
    await receipts.payment(row["account"], receipt, shop)
    await apppay.queue_webhook(row, await webhook_url_for(row["app_id"]), "succeeded")


class PaymentRequests(Controller):
    path = "/wallet/requests"
    guards = [requires_account]  # noqa: RUF012
    cache_control = NO_STORE

    @post("/", status_code=200)
    async def create(
        self, request: Request[Any, Any, Any], data: URLEncodedBody[dict[str, str]]
    ) -> Response[str]:
        """The bridge's ``pay``: host.js sends the framed app's id (never one the app chose)."""
        me = request.state.account["id"]
        app_id = data.get("app_id", "")
        grant = await host_queries.active_grant(me, app_id)
        if grant is None or "wallet.pay" not in (grant.get("scopes") or []):
            return self._sheet(
                request,
                None,
                error=_("このミニアプリには支払いのお願いが許可されていません。"),
                status_code=403,
            )
        try:
            amount = int(data.get("amount", "")) if data.get("amount", "").isdigit() else 0
            row = await apppay.create_request(
                app_id=app_id, app_name=await _app_name(request, app_id), account_id=me,
                amount=amount, description=data.get("description", ""),
                reference=data.get("reference", ""),
            )  # fmt: skip
        except Refused as exc:
            return self._sheet(request, None, error=refusal(exc.reason), status_code=400)
        return await self._page(request, row)

    @get("/{public_id:str}")
    async def page(
        self, request: Request[Any, Any, Any], public_id: FromPath[str]
    ) -> Response[str]:
        try:
            row = await apppay.request_for(public_id, request.state.account["id"])
        except Refused as exc:
            return self._sheet(request, None, error=refusal(exc.reason), status_code=404)
        return await self._page(request, row)

    @post("/{public_id:str}/confirm", status_code=200)
    async def confirm(
        self, request: Request[Any, Any, Any], public_id: FromPath[str]
    ) -> Response[str]:
        me = request.state.account["id"]
        try:
            row, receipt = await apppay.confirm(public_id, me)
        except Refused as exc:
            row = (
                await apppay.request_for(public_id, me) if exc.reason != "request_unknown" else None
            )
            return await self._page(request, row, error=refusal(exc.reason), status_code=400)
        if not receipt.replayed:
            name = await _app_name(request, row["app_id"])
            await after_payment(row, receipt, name, request.app.state.secret)
        return await self._page(request, row)

    @post("/{public_id:str}/cancel", status_code=200)
    async def cancel(
        self, request: Request[Any, Any, Any], public_id: FromPath[str]
    ) -> Response[str]:
        try:
            row = await apppay.cancel(public_id, request.state.account["id"])
        except Refused as exc:
            return self._sheet(request, None, error=refusal(exc.reason), status_code=404)
        return await self._page(request, row)

    async def _page(self, request: Request[Any, Any, Any], row: dict[str, Any] | None, *,
                    error: str = "", status_code: int = 200) -> Response[str]:  # fmt: skip
        me = request.state.account["id"]
        context = {"row": row, "error": error, "balances": await queries.balances(me),
                   "app_name": await _app_name(request, row["app_id"]) if row else ""}  # fmt: skip
        return render(
            request, "wallet/request.html", context, block="sheet", status_code=status_code
        )

    def _sheet(
        self, request: Request[Any, Any, Any], row: None, *, error: str, status_code: int
    ) -> Response[str]:
        context = {
            "row": None,
            "error": error,
            "balances": {"cash": 0, "points": 0},
            "app_name": "",
        }
        return render(
            request, "wallet/request.html", context, block="sheet", status_code=status_code
        )


class PaymentBody(msgspec.Struct):
    """A payment the app asks the resident for: whole yen, what it is for, and the app's own
    unique reference (the same reference returns the same request)."""

    amount: int
    description: str
    reference: str


class PaymentAnswer(msgspec.Struct):
    """A payment request: ``status`` is pending, paid or cancelled; send the resident to
    ``confirm_url`` (or call the bridge's ``pay`` with the same reference)."""

    id: str
    status: str
    amount: int
    description: str
    reference: str
    confirm_url: str


def _answer(request: Request[Any, Any, Any], row: dict[str, Any]) -> PaymentAnswer:
    base = request.app.state.settings.public_url
    return PaymentAnswer(
        **apppay.public_view(row), confirm_url=f"{base}/wallet/requests/{row['public_id']}"
    )


@post("/payments", status_code=201, summary="Ask the resident to pay (scope wallet.pay)")
async def create_payment(
    caller: NamedDependency[Caller], data: JSONBody[PaymentBody], request: Request[Any, Any, Any]
) -> PaymentAnswer:
    """Create a payment request; nothing moves until the resident confirms it in the shell."""
    caller.need("wallet.pay")
    try:
        row = await apppay.create_request(
            app_id=caller.app_id, app_name=await _app_name(request, caller.app_id),
            account_id=caller.account_id, amount=data.amount, description=data.description,
            reference=data.reference,
        )  # fmt: skip
    except Refused as exc:
        raise errors.invalid(exc.reason) from None
    return _answer(request, row)


@get("/payments/{public_id:str}", summary="A payment request's status (scope wallet.pay)")
async def payment_status(
    caller: NamedDependency[Caller], public_id: FromPath[str], request: Request[Any, Any, Any]
) -> PaymentAnswer:
    """The request as it is now: the app learns ``paid`` here, by webhook, or from the bridge."""
    try:
        row = await apppay.request_for(public_id, caller.account_id)
    except Refused:
        raise errors.Refused(404, "not_found", "no such payment request") from None
    if row["app_id"] != caller.app_id:
        raise errors.Refused(404, "not_found", "no such payment request")
    return _answer(request, row)


class RefundBody(msgspec.Struct):
    """A refund of a paid request, found by the app's own ``reference``; ``refund_reference`` is
    the app's id for this refund (the same one twice refunds once)."""

    reference: str
    amount: int
    refund_reference: str


class RefundAnswer(msgspec.Struct):
    id: str
    status: str
    amount: int
    refunded: int
    reference: str


async def refund_for_app(app_id: str, data: RefundBody) -> RefundAnswer:
    """Refund through the ledger, then tell the resident (after the money moved)."""
    try:
        row, receipt = await apppay.refund(
            app_id, data.reference, data.amount, data.refund_reference
        )
    except Refused as exc:
        raise errors.invalid(exc.reason) from None
    shop = await queries.merchant(row["merchant"])
    await receipts.refund(row["account"], receipt, shop["name"] if shop else app_id)
    view = apppay.public_view(row)
    return RefundAnswer(
        id=view["id"], status=view["status"], amount=view["amount"],
        refunded=await apppay.refunded(row), reference=view["reference"],
    )  # fmt: skip


@post("/refunds", status_code=200, summary="Refund a paid request, all or part")
async def create_refund(
    client_app: NamedDependency[HostedApp], data: JSONBody[RefundBody]
) -> RefundAnswer:
    """Give back all or part of a payment the resident made to this app, to the cash and points
    it came from; never more than was paid. Needs only the app's credentials: a booking refused
    by staff is refunded without the resident at hand."""
    return await refund_for_app(client_app.id, data)
