"""The city's side of the wallet: approve and suspend merchants, grant points to a segment,
read circulation and export it for accounting."""

from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import dataclass
from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.exceptions import NotFoundException
from litestar.params import FromPath, URLEncodedBody

from shell.audit.actions import record
from shell.city.queries import districts
from shell.identity.routes import client_ip
from shell.notifications.segments import AGE_BAND_LABELS, AGE_BANDS, Segment, members
from shell.staff.kpis import Series
from shell.staff.permissions import can, requires
from shell.wallet import actions, payouts, queries, receipts
from shell.wallet.ledger import Refused
from shell.wallet.merchant_routes import csv_response
from shell.wallet.messages import (
    category_names,
    payout_status_names,
    refusal,
    return_reason_names,
)
from shell.wallet.queries import TOKYO
from shell.wallet.routes import FormData, new_key, parse_amount
from shell.wallet.tables import Campaign, Payout, PayoutRun
from shell.web.i18n import _, format_yen, lazy
from shell.web.security import NO_STORE
from shell.web.templates import render

CHART_DAYS = 30


def _circulation_charts(figures: dict[str, Any]) -> dict[str, Any]:
    """The circulation figures with the charts drawn from them: payments per day over the last
    30 days (Japan time), and by shop category and by the shop's district."""
    today = dt.datetime.now(TOKYO).date()
    days = [today - dt.timedelta(days=n) for n in range(CHART_DAYS - 1, -1, -1)]
    by_day = figures["by_day"]
    names = category_names()

    def bars(title: str, testid: str, heading: str, items: dict[str, int], label: Any) -> Bars:
        rows = [(label(key), amount, format_yen(amount)) for key, amount in items.items()]
        return Bars(title, testid, heading, _("金額"), rows)

    return {
        "figures": figures,
        "day_chart": Series(lazy("日別の支払い（円）"),
                            [(day, by_day.get(day.isoformat(), 0)) for day in days]),
        "category_bars": bars(_("業種別の支払い（返金を差し引いた額）"), "chart-category",
                              _("業種"), figures["by_category"], lambda k: names.get(k, k)),
        "district_bars": bars(_("地区別の支払い（お店の地区）"), "chart-district", _("地区"),
                              figures["by_district"],
                              lambda k: _("地区未設定") if k == "-" else k),
    }  # fmt: skip


@dataclass(frozen=True)
class Bars:
    """Figures by kind for ``staff/_bars.html``: (name, value, value as shown) per row."""

    title: str
    testid: str
    name_heading: str
    value_heading: str
    rows: list[tuple[str, int, str]]

    @property
    def peak(self) -> int:
        return max((value for _, value, _ in self.rows), default=0)


class StaffWallet(Controller):
    path = "/staff/wallet"
    cache_control = NO_STORE

    async def _page(self, request: Request[Any, Any, Any], *, status_code: int = 200,
                    **extra: Any) -> Response[str]:  # fmt: skip
        roles = request.state.roles
        context = {
            "merchants": await queries.all_merchants() if can(roles, "wallet.merchants") else [],
            "campaigns": [
                {**c, "bands_label": "・".join(
                    _(AGE_BAND_LABELS[b]) for b in actions.json_list(c["age_bands"])
                    if b in AGE_BAND_LABELS)}
                for c in await queries.campaigns()
            ] if can(roles, "wallet.campaigns") else [],
            **_circulation_charts(await queries.circulation()),
            "redemptions": await queries.campaign_redemptions() if can(roles, "wallet.campaigns")
            else {},
            "districts": await districts(),
            "categories": category_names(),
            "age_bands": AGE_BAND_LABELS,
            "can_merchants": can(roles, "wallet.merchants"),
            "can_payouts": can(roles, "wallet.campaigns"),
            "payout_shops": await queries.all_merchants() if can(roles, "wallet.campaigns")
            else [],
            "payout_runs": await payouts.runs() if can(roles, "wallet.campaigns") else [],
            "in_transit": await payouts.in_transit(),
            "yesterday": (dt.datetime.now(TOKYO).date() - dt.timedelta(days=1)).isoformat(),
            "payout_result": None, "payout_error": "", "key": new_key(),
            "can_campaigns": can(roles, "wallet.campaigns"),
            "error": "", "form": {}, "message": "",
            **extra,
        }  # fmt: skip
        return render(request, "wallet/staff.html", context, status_code=status_code)

    @get("/", name="staff_wallet", guards=[requires("wallet.figures")])
    async def home(self, request: Request[Any, Any, Any]) -> Response[str]:
        return await self._page(request)

    @post("/merchants/{merchant_id:int}", status_code=200, guards=[requires("wallet.merchants")])
    async def merchant_status(
        self, request: Request[Any, Any, Any], merchant_id: FromPath[int], data: FormData
    ) -> Response[str]:
        status = data.get("status", "")
        try:
            await actions.set_merchant_status(merchant_id, status)
        except Refused as exc:
            return await self._page(request, error=refusal(exc.reason), status_code=400)
        await record("wallet.merchant_status", actor=request.state.account["id"],
                     subject=f"merchant:{merchant_id}", detail={"status": status},
                     ip=client_ip(request))  # fmt: skip
        return await self._page(request)

    @post("/campaigns", status_code=200, guards=[requires("wallet.campaigns")])
    async def create_campaign(
        self, request: Request[Any, Any, Any], data: URLEncodedBody[dict[str, str | list[str]]]
    ) -> Response[str]:
        ticked = data.pop("age_band", [])  # several boxes under one name
        chosen = [ticked] if isinstance(ticked, str) else ticked
        data = {k: v if isinstance(v, str) else v[-1] for k, v in data.items()}
        try:
            name = data.get("name", "").strip()
            if not name or len(name) > 100:
                raise Refused("campaign_name")
            amount = parse_amount(data.get("amount", ""))
            actions._check_amount(amount)
            try:
                day = dt.date.fromisoformat(data.get("expires_on", ""))
            except ValueError as exc:
                raise Refused("day") from exc
            # Valid through the whole of that day in Tokyo.
            expires = dt.datetime.combine(day, dt.time(23, 59, 59), tzinfo=TOKYO)
            if expires <= actions.now() + dt.timedelta(hours=1):
                raise Refused("expiry_past")
            district = int(data["district"]) if data.get("district", "").isdigit() else None
            category = data.get("category", "")
            categories = [category] if category in category_names() else []
            bands = [band for band in AGE_BANDS if band in chosen]
        except Refused as exc:
            return await self._page(request, error=refusal(exc.reason), form=data, status_code=400)
        await Campaign.insert(Campaign(
            name=name, amount=amount, district=district, categories=categories, age_bands=bands,
            expires_at=expires.astimezone(dt.UTC), created_by=request.state.account["id"],
        ))  # fmt: skip
        return await self._page(request)

    @post(
        "/campaigns/{campaign_id:int}/issue", status_code=200, guards=[requires("wallet.campaigns")]
    )
    async def issue(
        self, request: Request[Any, Any, Any], campaign_id: FromPath[int]
    ) -> Response[str]:
        campaign = await Campaign.select().where(Campaign.id == campaign_id).first()
        if campaign is None:
            return await self._page(request, error=refusal("campaign_unknown"), status_code=404)
        segment = Segment(
            districts=(campaign["district"],) if campaign["district"] else (),
            age_bands=tuple(actions.json_list(campaign["age_bands"])),
        )
        residents = await members(segment, dt.datetime.now(TOKYO).date())
        granted = await actions.issue_campaign(campaign_id, residents)
        await record("wallet.campaign_issued", actor=request.state.account["id"],
                     subject=f"campaign:{campaign_id}", detail={"granted": granted},
                     ip=client_ip(request))  # fmt: skip
        return await self._page(request, message=str(granted))

    @post("/payouts", status_code=200, guards=[requires("wallet.campaigns")])
    async def run_payouts(self, request: Request[Any, Any, Any], data: FormData) -> Response[str]:
        """Pay shops their takings for a period (whole days that are over), by bank transfer."""
        try:
            try:
                start = dt.date.fromisoformat(data.get("start", ""))
                end = dt.date.fromisoformat(data.get("end", ""))
            except ValueError as exc:
                raise Refused("payout_period") from exc
            shop = int(data["merchant"]) if data.get("merchant", "").isdigit() else None
            result = await payouts.run(start, end, key=data.get("key", ""), merchant_id=shop,
                                       staff=request.state.account["id"])  # fmt: skip
        except Refused as exc:
            return await self._page(request, payout_error=refusal(exc.reason), form=data,
                                    status_code=400)  # fmt: skip
        await record("wallet.payout_run", actor=request.state.account["id"],
                     subject=f"payout_run:{result.run_id}",
                     detail={"count": len(result.paid), "total": result.total,
                             "start": start.isoformat(), "end": end.isoformat()},
                     ip=client_ip(request))  # fmt: skip
        skipped = [(name, refusal(reason)) for name, reason in result.skipped]
        return await self._page(request, payout_result={"run_id": result.run_id,
                                "count": len(result.paid), "total": result.total,
                                "skipped": skipped})  # fmt: skip

    async def _run_page(self, request: Request[Any, Any, Any], run_id: int, *,
                        status_code: int = 200, **extra: Any) -> Response[str]:  # fmt: skip
        run = await PayoutRun.select().where(PayoutRun.id == run_id).first()
        if run is None:
            raise NotFoundException()
        context = {
            "run": run, "payouts": await payouts.payouts_of_run(run_id),
            "statuses": payout_status_names(), "reasons": return_reason_names(),
            "error": "", "message": "", **extra,
        }  # fmt: skip
        return render(request, "wallet/payout_run.html", context, status_code=status_code)

    @get("/payouts/{run_id:int}", guards=[requires("wallet.campaigns")])
    async def payout_run(
        self, request: Request[Any, Any, Any], run_id: FromPath[int]
    ) -> Response[str]:
        """One run's transfers and what the bank did with each; where staff record its results."""
        return await self._run_page(request, run_id)

    @post("/payouts/{run_id:int}/paid", status_code=200, guards=[requires("wallet.campaigns")])
    async def payout_run_paid(
        self, request: Request[Any, Any, Any], run_id: FromPath[int]
    ) -> Response[str]:
        """The bank carried out the file: every transfer not recorded as returned is paid."""
        if not await PayoutRun.exists().where(PayoutRun.id == run_id):
            raise NotFoundException()
        try:
            done = await payouts.settle_run(run_id)
        except Refused as exc:
            return await self._run_page(request, run_id, error=refusal(exc.reason), status_code=400)
        await record("wallet.payout_paid", actor=request.state.account["id"],
                     subject=f"payout_run:{run_id}",
                     detail={"payouts": [p["id"] for p in done],
                             "total": sum(p["amount"] for p in done)},
                     ip=client_ip(request))  # fmt: skip
        return await self._run_page(request, run_id, message=_(
            "%(count)s件、合計%(amount)sを振込済みにしました。", count=len(done),
            amount=format_yen(sum(p["amount"] for p in done))))  # fmt: skip

    @post("/payouts/{run_id:int}/returned", status_code=200, guards=[requires("wallet.campaigns")])
    async def payout_returned(
        self, request: Request[Any, Any, Any], run_id: FromPath[int], data: FormData
    ) -> Response[str]:
        """The bank could not pay one transfer (振込不能): its money goes back to the shop."""
        payout_id = int(data["payout"]) if data.get("payout", "").isdigit() else 0
        found = await Payout.select(Payout.merchant, Payout.merchant.name.as_alias("shop")).where(
            (Payout.id == payout_id) & (Payout.run == run_id)).first()  # fmt: skip
        try:
            if found is None:
                raise Refused("payout_unknown")
            receipt = await payouts.settle(payout_id, "returned", reason=data.get("reason", ""))
        except Refused as exc:
            return await self._run_page(request, run_id, error=refusal(exc.reason), status_code=400)
        await record("wallet.payout_returned", actor=request.state.account["id"],
                     subject=f"payout:{payout_id}",
                     detail={"amount": receipt.amount, "reason": data.get("reason", "")},
                     ip=client_ip(request))  # fmt: skip
        await receipts.payout_returned(receipt, int(found["merchant"]), found["shop"])
        return await self._run_page(request, run_id, message=_(
            "%(shop)sへの振込を振込不能として記録し、%(amount)sを売上に戻しました。",
            shop=found["shop"], amount=format_yen(receipt.amount)))  # fmt: skip

    @get("/payouts/{run_id:int}/zengin.txt", guards=[requires("wallet.campaigns")])
    async def zengin(
        self, request: Request[Any, Any, Any], run_id: FromPath[int]
    ) -> Response[bytes]:
        """The bank file: 全銀 fixed-width records in Shift_JIS, CRLF, for the bank's upload."""
        row = await PayoutRun.select(PayoutRun.zengin).where(PayoutRun.id == run_id).first()
        if row is None or not row["zengin"]:
            raise NotFoundException()
        return Response(
            row["zengin"].encode("cp932"), media_type="text/plain; charset=shift_jis",
            headers={"Content-Disposition": f'attachment; filename="payout-{run_id}.txt"'},
        )  # fmt: skip

    @get("/payouts/{run_id:int}.csv", guards=[requires("wallet.campaigns")])
    async def payout_csv(
        self, request: Request[Any, Any, Any], run_id: FromPath[int]
    ) -> Response[bytes]:
        if not await PayoutRun.exists().where(PayoutRun.id == run_id):
            raise NotFoundException()
        return csv_response(await payouts.run_csv(run_id), f"payout-{run_id}.csv")

    @get("/circulation.csv", guards=[requires("wallet.figures")])
    async def export(self, request: Request[Any, Any, Any]) -> Response[bytes]:
        figures = await queries.circulation()
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(["section", "key", "amount_yen"])
        for key, amount in figures["totals"].items():
            writer.writerow(["held", key, amount])
        for key, amount in figures["by_category"].items():
            writer.writerow(["payments_by_category", key, amount])
        for key, amount in figures["by_day"].items():
            writer.writerow(["payments_by_day", key, amount])
        for key, amount in figures["by_district"].items():
            writer.writerow(["payments_by_district", key, amount])
        return csv_response(out.getvalue(), "wallet-circulation.csv")
