"""The water app's pages. Residents are known by their pairwise id only."""

from __future__ import annotations

import contextlib
from typing import Any

from litestar import Request, Response, get, post
from litestar.params import FromPath
from machi_sdk import PlatformDep, PlatformError, ResidentDep, render, requires_scopes
from machi_sdk.i18n import N_
from machi_sdk.platform import Platform
from machi_sdk.resident import Resident

from . import actions, queries
from .importer import render_stored
from .leak import send_notices, suggests_leak
from .pdf import bill_pdf
from .views import chart, today

STAFF_ROLES = ("waterworks", "admin")



REFUSALS = {
    "blank": N_("お客さま番号と照会コードを、検針票・請求書に書かれているとおりに入れてください。"),
    "no_match": N_(
        "お客さま番号と照会コードの組み合わせが確認できませんでした。検針票・請求書の記載をもう一度確かめてください。"
    ),
    "locked": N_(
        "確認できない入力が続いたため、24時間は登録できません。お急ぎの場合は水道部の窓口にお問い合わせください。"
    ),
    "too_many_links": N_("登録できるお客さま番号は10件までです。"),
}


def _t(request: Request[Any, Any, Any], resident: Resident) -> Any:
    runtime = request.app.state["machi_runtime"]
    return runtime.miniapp.translations(resident.locale).gettext


async def _count(platform: Platform, kpi: str) -> None:
    with contextlib.suppress(PlatformError):  # a figure is not worth failing a page for
        await platform.kpi(kpi)


async def _looked_up(platform: Platform, resident: Resident, account_id: int) -> None:
    """A resident read their bills: a lookup, and once a day per account, a call saved."""
    await _count(platform, "bill_lookups")
    if await actions.first_lookup_today(resident.id, account_id, today()):
        await _count(platform, "calls_saved")


def _is_staff(resident: Resident) -> bool:
    return any(resident.has_role(role) for role in STAFF_ROLES)


async def _index_context(resident: Resident) -> dict[str, Any]:
    return {"accounts": await queries.links(resident.id), "error": None, "linked": None,
            "is_staff": _is_staff(resident)}  # fmt: skip


@get("/", name="water:index", guards=[requires_scopes()])
async def index(request: Request, resident: ResidentDep) -> Response[str]:
    """The resident's linked accounts with the latest bill, and the form to link one."""
    return render(request, "water/index.html", await _index_context(resident))


@post("/link", name="water:link", guards=[requires_scopes()])
async def link(request: Request, resident: ResidentDep, platform: PlatformDep) -> Response[str]:
    """Link an account by number and code; a refusal says the same for any wrong pair."""
    form = await request.form()
    try:
        account_id = await actions.link(
            resident.id, str(form.get("customer_number", "")), str(form.get("code", "")),
            locale=resident.locale,
        )  # fmt: skip
    except actions.Refused as exc:
        context = await _index_context(resident)
        context["error"] = _t(request, resident)(REFUSALS[exc.reason])
        # 422 for every refusal: the SDK's htmx swaps it in, so the resident reads why
        return render(request, "water/index.html", context, status_code=422)
    await _count(platform, "accounts_linked")
    # An account whose latest bill already suggests a leak is told at once, not at the next run
    # of the job (the same once-only record keeps the job from telling it again).
    with contextlib.suppress(PlatformError):
        await send_notices(platform, subject=resident.id)
    context = await _index_context(resident)
    context["linked"] = account_id
    return render(request, "water/index.html", context)


@post("/accounts/{account_id:int}/unlink", name="water:unlink", guards=[requires_scopes()])
async def unlink(
    request: Request, resident: ResidentDep, account_id: FromPath[int]
) -> Response[str]:
    await actions.unlink(resident.id, account_id)
    return render(request, "water/index.html", await _index_context(resident))


async def account_context(
    request: Request[Any, Any, Any], resident: Resident, account_id: int
) -> dict[str, Any]:
    """What a resident sees of one account; staff see the very same."""
    t = _t(request, resident)
    acc = await queries.account(account_id)
    history = await queries.bills(account_id)
    latest = history[0] if history else None
    last_year = queries.same_period_last_year(latest, history[1:]) if latest else None
    leak_base = suggests_leak(latest, history[1:]) if latest else None
    similar = await queries.similar_average(latest, acc["meter_mm"]) if latest else None
    return {
        "account": acc,
        "bills": history,
        "latest": latest,
        "last_year": last_year,
        "leak_base": leak_base,
        "similar": similar,
        "chart": chart(
            history,
            resident.locale,
            t("使用水量の推移（㎥）"),
            {latest["id"]} if leak_base and latest else set(),
        ),
        "chart_rows": sorted(history, key=lambda b: b["reading_date"])[-12:],
    }


def _not_found(request: Request[Any, Any, Any], resident: Resident) -> Response[str]:
    text = _t(request, resident)(
        "その請求は見つかりません。登録したお客さま番号から選んでください。"
    )
    return render(request, "water/missing.html", {"message": text}, status_code=404)


@get("/accounts/{account_id:int}", name="water:account", guards=[requires_scopes()])
async def account_page(
    request: Request, resident: ResidentDep, platform: PlatformDep, account_id: FromPath[int]
) -> Response[str]:
    """Bills, the usage chart with its table, last year's same period and similar households."""
    if not await queries.is_linked(resident.id, account_id):
        return _not_found(request, resident)
    await _looked_up(platform, resident, account_id)
    return render(
        request, "water/account.html", await account_context(request, resident, account_id)
    )


async def bill_context(resident: Resident, row: dict[str, Any]) -> dict[str, Any]:
    history = await queries.bills(row["account"])
    earlier = [b for b in history if b["reading_date"] < row["reading_date"]]
    return {
        "bill": row,
        "account": await queries.account(row["account"]),
        "last_year": queries.same_period_last_year(row, earlier),
        "leak_base": suggests_leak(row, earlier)
        if history and history[0]["id"] == row["id"]
        else None,
    }


@get("/bills/{bill_id:int}", name="water:bill", guards=[requires_scopes()])
async def bill_page(
    request: Request, resident: ResidentDep, platform: PlatformDep, bill_id: FromPath[int]
) -> Response[str]:
    """One bill: readings, m3, water, sewerage, tax, total, due date, paid."""
    row = await queries.bill(bill_id)
    if row is None or not await queries.is_linked(resident.id, row["account"]):
        return _not_found(request, resident)
    await _looked_up(platform, resident, row["account"])
    return render(request, "water/bill.html", await bill_context(resident, row))


@get("/bills/{bill_id:int}/pdf", name="water:bill_pdf", guards=[requires_scopes()])
async def bill_pdf_download(
    request: Request, resident: ResidentDep, bill_id: FromPath[int]
) -> Response[bytes]:
    """The bill as a PDF (fetched with the launch token by app.js, saved by the browser)."""
    row = await queries.bill(bill_id)
    if row is None or not await queries.is_linked(resident.id, row["account"]):
        return Response(b"", status_code=404)
    acc = await queries.account(row["account"])
    body = bill_pdf(row, acc["customer_number"], _t(request, resident), resident.locale)
    name = f"water-{acc['customer_number']}-{row['reading_date']:%Y%m}.pdf"
    return Response(
        body,
        media_type="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="{name}"',
                 "Cache-Control": "no-store"},
    )  # fmt: skip


@get("/staff", name="water:staff", guards=[requires_scopes()])
async def staff_page(
    request: Request, resident: ResidentDep, platform: PlatformDep
) -> Response[str]:
    """Waterworks staff: look up an account's screen by customer number (each look written to
    the city's audit log, under every resident who linked the account); recent imports with
    their problems in the staff member's language."""
    t = _t(request, resident)
    if not _is_staff(resident):
        text = t("この画面は水道担当の職員だけが使えます。")
        return render(request, "water/staff.html", {"denied": text}, status_code=403)
    number = actions.normalise(str(request.query_params.get("number", "")))
    runs = await queries.import_runs()
    for run in runs:
        for problem in run["problems"]:
            problem["shown"] = render_stored(problem, t)
    context: dict[str, Any] = {
        "denied": None, "number": number, "found": None, "not_found": False,
        "runs": runs, "flagged": await queries.flagged_bills(),
    }  # fmt: skip
    if number:
        acc = await queries.account_by_number(number)
        if acc is None:
            context["not_found"] = True
        else:
            try:
                await _audit_lookup(platform, resident, acc)
            except PlatformError:
                text = t(
                    "閲覧の記録ができないため、表示できません。時間をおいてもう一度お試しください。"
                )
                return render(request, "water/staff.html", {"denied": text}, status_code=503)
            context["found"] = await account_context(request, resident, acc["id"])
    return render(
        request, "water/staff.html", context, status_code=404 if context["not_found"] else 200
    )


async def _audit_lookup(platform: Platform, staff: Resident, account: dict[str, Any]) -> None:
    """Write the look to the audit log before showing anything: under each resident who linked
    the account (they can see who looked), or under the customer number when nobody has."""
    subjects = await queries.linked_subjects(account["id"])
    detail = {"customer_number": account["customer_number"]}
    for subject in subjects or [f"customer:{account['customer_number']}"]:
        await platform.audit(staff, "account.view", subject, detail)


ROUTES = [index, link, unlink, account_page, bill_page, bill_pdf_download, staff_page]
