"""The resident's pages: register as a rider, book a ride, watch the bus come, pay, cancel."""

from __future__ import annotations

from typing import Any

from litestar import Request, Response, get, post
from litestar.params import FromPath
from machi_sdk import PlatformDep, PlatformError, ResidentDep, render, requires_scopes
from machi_sdk.platform import Platform
from machi_sdk.resident import Resident

from . import actions, live, queries, rules
from .common import as_int, base, count, gettext_for, refund, refusal, wish_from
from .staff import STAFF_ROUTES


async def _index_context(resident: Resident) -> dict[str, Any]:
    rider = await actions.rider_of(resident.id)
    conf = await live.settings()
    return {
        **base(resident),
        "rider": rider,
        "stops": await queries.stops(),
        "rides": await queries.rides_of(rider["id"]) if rider else [],
        "conf": conf,
        "today": rules.today().isoformat(),
        "alternatives": [],
        "form": {},
    }


@get("/", name="bus:index", guards=[requires_scopes()])
async def index(request: Request, resident: ResidentDep) -> Response[str]:
    """Register as a rider, or book a ride; the rides booked."""
    return render(request, "bus/index.html", await _index_context(resident))


@post("/register", name="bus:register", guards=[requires_scopes()])
async def register(request: Request, resident: ResidentDep, platform: PlatformDep) -> Response[str]:
    """Register (or update) as a rider: companions usually along, wheelchair."""
    form = await request.form()
    _rider, new = await actions.register(
        resident.id, companions=as_int(form.get("companions")),
        wheelchair=form.get("wheelchair") == "1", locale=resident.locale,
    )  # fmt: skip
    if new:
        await count(platform, "members")
    context = await _index_context(resident)
    _ = gettext_for(request, resident)
    context["message"] = _("登録しました。乗りたいバスを予約できます。")
    return render(request, "bus/index.html", context)


@post("/book", name="bus:book", guards=[requires_scopes()])
async def book(request: Request, resident: ResidentDep, platform: PlatformDep) -> Response[str]:
    """Book from stop to stop (or map points), now or later: the answer at once."""
    form = await request.form()
    context = await _index_context(resident)
    context["form"] = dict(form)
    try:
        if context["rider"] is None:
            raise actions.Refused("not_registered")
        wish = await wish_from(form)
        answer = await actions.book(wish, rider=context["rider"]["id"], channel="app",
                                    claims=resident.claims)  # fmt: skip
    except actions.Refused as exc:
        context["error"] = refusal(request, resident, exc)
        return render(request, "bus/index.html", context, status_code=422)
    if answer.request is None:
        context["error"] = refusal(request, resident, actions.Refused("full"))
        context["alternatives"] = [rules.hhmm(m) for m in answer.alternatives]
        context["wish"] = wish
        return render(request, "bus/index.html", context, status_code=409)
    await count(platform, "bookings_online")
    return await ride_response(request, resident, platform, answer.request["number"], True)


async def _ride_context(
    resident: Resident, platform: Platform, number: str
) -> dict[str, Any] | None:
    row = await queries.ride(number)
    rider = await actions.rider_of(resident.id)
    if row is None or rider is None or row["rider"] != rider["id"]:
        return None
    if row["status"] == "booked" and row["payment"] == "unpaid" and row["fare"] > 0:
        state = await _ask_payment(resident, platform, row)
        await actions.set_payment(row["id"], state)
        row["payment"] = state
    conf = await live.settings()
    paid = row["fare"] if row["payment"] == "paid" else 0
    return {
        **base(resident),
        "ride": row,
        "progress": await queries.progress(row),
        "refund": rules.refund_for(paid, row["window_start"], row["day"], conf),
        "description": _description(row),
        "free_minutes": conf["free_cancel_minutes"],
        "just_booked": False,
    }


def _description(row: dict[str, Any]) -> str:
    return f"デマンドバス運賃 {row['pickup_name']}→{row['drop_name']}（{row['number']}）"[:200]


async def _ask_payment(resident: Resident, platform: Platform, row: dict[str, Any]) -> str:
    """Ask the shell for the fare (the ride number is the reference: never charged twice)."""
    if not resident.has("wallet.pay"):
        return "on_board"
    try:
        answer = await platform.request_payment(
            resident, row["fare"], _description(row), row["number"]
        )
    except PlatformError:
        return "on_board"
    return "paid" if answer.get("status") == "paid" else "wallet_pending"


async def ride_response(
    request: Request[Any, Any, Any], resident: Resident, platform: Platform, number: str,
    just_booked: bool = False, *, error: str | None = None, message: str | None = None,
    block: str = "content",
) -> Response[str]:  # fmt: skip
    context = await _ride_context(resident, platform, number)
    if context is None:
        return render(request, "bus/missing.html", base(resident), status_code=404)
    context.update(just_booked=just_booked, error=error, message=message)
    return render(request, "bus/ride.html", context, block=block,
                  status_code=422 if error else 200)  # fmt: skip


@get("/rides/{number:str}", name="bus:ride", guards=[requires_scopes()])
async def ride_page(
    request: Request, resident: ResidentDep, platform: PlatformDep, number: FromPath[str]
) -> Response[str]:
    """One ride: the promise, the bus coming (live), pay, cancel."""
    return await ride_response(request, resident, platform, number)


@get("/rides/{number:str}/live", name="bus:ride_live", guards=[requires_scopes()])
async def ride_live(
    request: Request, resident: ResidentDep, platform: PlatformDep, number: FromPath[str]
) -> Response[str]:
    """The live part of the ride page alone: the page polls it, no reload."""
    return await ride_response(request, resident, platform, number, block="live")


@post("/rides/{number:str}/payment", name="bus:check_payment", guards=[requires_scopes()])
async def check_payment(
    request: Request, resident: ResidentDep, platform: PlatformDep, number: FromPath[str]
) -> Response[str]:
    """After the shell's payment sheet: ask the shell (never the page) whether it is paid."""
    row = await queries.ride(number)
    rider = await actions.rider_of(resident.id)
    if row and rider and row["rider"] == rider["id"] and row["payment"] == "wallet_pending":
        await actions.set_payment(row["id"], await _ask_payment(resident, platform, row))
    return await ride_response(request, resident, platform, number)


@post("/rides/{number:str}/cancel", name="bus:cancel", guards=[requires_scopes()])
async def cancel(
    request: Request, resident: ResidentDep, platform: PlatformDep, number: FromPath[str]
) -> Response[str]:
    """Cancel; the fare comes back by the rule on the page (refund_for)."""
    rider = await actions.rider_of(resident.id)
    try:
        row = await actions.cancel(number, by_rider=rider["id"] if rider else -1)
    except actions.Refused as exc:
        return await ride_response(request, resident, platform, number,
                                   error=refusal(request, resident, exc))  # fmt: skip
    conf = await live.settings()
    paid = row["fare"] if row["payment"] == "paid" else 0
    _ = gettext_for(request, resident)
    message = _("予約を取り消しました。")
    await refund(platform, row, rules.refund_for(paid, row["window_start"], row["day"], conf))
    return await ride_response(request, resident, platform, number, message=message)


ROUTES = [index, register, book, ride_page, ride_live, check_payment, cancel, *STAFF_ROUTES]
