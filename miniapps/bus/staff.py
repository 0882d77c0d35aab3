"""The staff side: the operator's live board, phone bookings, cancellations and KPIs
(``operator``, ``admin``); the driver's tablet (``driver`` too); the service settings."""

from __future__ import annotations

import contextlib
from typing import Any

from litestar import Request, Response, get, post
from litestar.params import FromPath
from machi_sdk import PlatformDep, PlatformError, ResidentDep, render, requires_scopes
from machi_sdk.platform import Platform
from machi_sdk.resident import Resident

from . import actions, jobs, live, queries, rules
from .common import as_int, base, count, gettext_for, refund, refusal, wish_from
from .permissions import can


def _denied(request: Request[Any, Any, Any], resident: Resident) -> Response[str]:
    return render(request, "bus/denied.html", base(resident), status_code=403)


async def _audit(platform: Platform, resident: Resident, action: str, subject: str) -> None:
    with contextlib.suppress(PlatformError):
        await platform.audit(resident, action, subject)


async def _board_context(resident: Resident) -> dict[str, Any]:
    day = rules.today()
    return {
        **base(resident),
        "board": await queries.board(day),
        "rides": await queries.rides_on(day),
        "figures": await queries.figures(),
        "stops": await queries.stops(),
        "today": day.isoformat(),
        "form": {},
        "alternatives": [],
    }


@get("/staff", name="bus:staff", guards=[requires_scopes()])
async def staff(request: Request, resident: ResidentDep) -> Response[str]:
    """The operator's board: vehicles and today's requests (live), phone booking, KPIs."""
    if not can(resident, "board"):
        if can(resident, "drive"):
            return await driver_pick(request, resident)
        return _denied(request, resident)
    return render(request, "bus/staff.html", await _board_context(resident))


@get("/staff/board", name="bus:board", guards=[requires_scopes()])
async def board(request: Request, resident: ResidentDep) -> Response[str]:
    """The board alone (polled)."""
    if not can(resident, "board"):
        return _denied(request, resident)
    return render(request, "bus/staff.html", await _board_context(resident), block="board")


@post("/staff/phone", name="bus:phone", guards=[requires_scopes()])
async def phone_booking(
    request: Request, resident: ResidentDep, platform: PlatformDep
) -> Response[str]:
    """A booking taken by phone for a resident without the app."""
    if not can(resident, "board"):
        return _denied(request, resident)
    form = await request.form()
    context = await _board_context(resident)
    context["form"] = dict(form)
    try:
        rider = await actions.phone_rider(
            str(form.get("name", "")), str(form.get("phone", "")),
            companions=max(as_int(form.get("riders"), 1) - 1, 0),
            wheelchair=form.get("wheelchair") == "1",
        )  # fmt: skip
        answer = await actions.book(await wish_from(form), rider=rider, channel="phone")
    except actions.Refused as exc:
        context["error"] = refusal(request, resident, exc)
        return render(request, "bus/staff.html", context, status_code=422)
    if answer.request is None:
        context["error"] = refusal(request, resident, actions.Refused("full"))
        context["alternatives"] = [rules.hhmm(m) for m in answer.alternatives]
        return render(request, "bus/staff.html", context, status_code=409)
    await count(platform, "bookings_phone")
    row = answer.request
    await _audit(platform, resident, "bus.phone_booking", row["number"])
    _ = gettext_for(request, resident)
    context = await _board_context(resident)
    said = _("%(number)s を予約しました。お迎え %(start)s〜%(end)s、到着予定 %(arrive)s")
    context["message"] = said % {
        "number": row["number"], "start": rules.hhmm(row["window_start"]),
        "end": rules.hhmm(row["window_end"]), "arrive": rules.hhmm(row["planned_drop"]),
    }  # fmt: skip
    return render(request, "bus/staff.html", context)


@post("/staff/rides/{number:str}/cancel", name="bus:staff_cancel", guards=[requires_scopes()])
async def staff_cancel(
    request: Request, resident: ResidentDep, platform: PlatformDep, number: FromPath[str]
) -> Response[str]:
    """The operator cancels a ride (the rider called, or the service cannot run): all of a
    paid fare comes back."""
    if not can(resident, "board"):
        return _denied(request, resident)
    context = await _board_context(resident)
    try:
        row = await actions.cancel(number, by_rider=None)
    except actions.Refused as exc:
        context["error"] = refusal(request, resident, exc)
        return render(request, "bus/staff.html", context, status_code=422)
    if row["payment"] == "paid":
        await refund(platform, row, row["fare"])
    await _audit(platform, resident, "bus.cancel", number)
    context = await _board_context(resident)
    _ = gettext_for(request, resident)
    context["message"] = _("予約を取り消しました。")
    return render(request, "bus/staff.html", context)


# --- the driver's tablet --------------------------------------------------------------------
async def driver_pick(request: Request[Any, Any, Any], resident: Resident) -> Response[str]:
    context = {**base(resident), "vehicles": await queries.vehicles()}
    return render(request, "bus/driver_pick.html", context)


@get("/staff/driver", name="bus:driver_pick", guards=[requires_scopes()])
async def driver_choose(request: Request, resident: ResidentDep) -> Response[str]:
    """Which vehicle this tablet is in."""
    if not can(resident, "drive"):
        return _denied(request, resident)
    return await driver_pick(request, resident)


async def _driver_context(resident: Resident, vehicle: int) -> dict[str, Any] | None:
    found = next((b for b in await queries.board(rules.today()) if b["id"] == vehicle), None)
    if found is None:
        return None
    groups: list[dict[str, Any]] = []  # consecutive steps at one stop: one stop on the tablet
    for step in found["upcoming"]:
        if groups and groups[-1]["stop"] == step["stop"]:
            groups[-1]["steps"].append(step)
        else:
            groups.append({"stop": step["stop"], "at": step["at"], "steps": [step]})
    return {**base(resident), "vehicle": found, "groups": groups}


async def _driver_page(
    request: Request[Any, Any, Any], resident: Resident, vehicle: int, block: str = "content",
    **extra: Any,
) -> Response[str]:  # fmt: skip
    context = await _driver_context(resident, vehicle)
    if context is None:
        return render(request, "bus/missing.html", base(resident), status_code=404)
    context.update(extra)
    status = 422 if extra.get("error") else 200
    return render(request, "bus/driver.html", context, block=block, status_code=status)


@get("/staff/driver/{vehicle:int}", name="bus:driver", guards=[requires_scopes()])
async def driver(request: Request, resident: ResidentDep, vehicle: FromPath[int]) -> Response[str]:
    """Today's route of one vehicle: the next stop, who boards and alights there, and after."""
    if not can(resident, "drive"):
        return _denied(request, resident)
    return await _driver_page(request, resident, vehicle)


@get("/staff/driver/{vehicle:int}/live", name="bus:driver_live", guards=[requires_scopes()])
async def driver_live(
    request: Request, resident: ResidentDep, vehicle: FromPath[int]
) -> Response[str]:
    """The route alone (polled): a booking or a better plan shows without a reload."""
    if not can(resident, "drive"):
        return _denied(request, resident)
    return await _driver_page(request, resident, vehicle, block="route")


@post("/staff/driver/{vehicle:int}/tap", name="bus:tap", guards=[requires_scopes()])
async def tap(
    request: Request, resident: ResidentDep, platform: PlatformDep, vehicle: FromPath[int]
) -> Response[str]:
    """Picked up, dropped off, or no-show: the plan moves on, riders ahead are told."""
    if not can(resident, "drive"):
        return _denied(request, resident)
    form = await request.form()
    try:
        done = await actions.tap(vehicle, str(form.get("number", "")), str(form.get("what", "")))
    except actions.Refused as exc:
        return await _driver_page(request, resident, vehicle,
                                  error=refusal(request, resident, exc))  # fmt: skip
    if done.what == "dropped_off":
        await count(platform, "riders", done.request["riders"])
    await jobs.send_notices(platform)
    return await _driver_page(request, resident, vehicle)


# --- settings -------------------------------------------------------------------------------
async def _settings_page(
    request: Request[Any, Any, Any], resident: Resident, **extra: Any
) -> Response[str]:
    context = {
        **base(resident),
        "conf": await live.settings(),
        "all_stops": await queries.stops(active_only=False),
        "vehicles": await queries.vehicles(),
        **extra,
    }
    status = 422 if extra.get("error") else 200
    return render(request, "bus/settings.html", context, status_code=status)


async def _settings_refused(
    request: Request[Any, Any, Any], resident: Resident, reason: str = "bad_settings"
) -> Response[str]:
    error = refusal(request, resident, actions.Refused(reason))
    return await _settings_page(request, resident, error=error)


async def _settings_done(
    request: Request[Any, Any, Any], resident: Resident, text: str
) -> Response[str]:
    return await _settings_page(request, resident, message=text)


@get("/staff/settings", name="bus:settings", guards=[requires_scopes()])
async def settings_page(request: Request, resident: ResidentDep) -> Response[str]:
    """Stops, vehicles, service hours, fares."""
    if not can(resident, "settings"):
        return _denied(request, resident)
    return await _settings_page(request, resident)


@post("/staff/settings", name="bus:save_settings", guards=[requires_scopes()])
async def save_settings(request: Request, resident: ResidentDep) -> Response[str]:
    if not can(resident, "settings"):
        return _denied(request, resident)
    form = await request.form()
    values = dict(form)
    try:
        for key in ("service_start", "service_end"):
            if key in values:
                values[key] = rules.parse_hhmm(str(values[key]))
        await actions.save_settings(values)
    except (ValueError, actions.Refused):
        return await _settings_refused(request, resident)
    _ = gettext_for(request, resident)
    return await _settings_done(request, resident, _("保存しました。"))


@post("/staff/stops", name="bus:add_stop", guards=[requires_scopes()])
async def add_stop(request: Request, resident: ResidentDep) -> Response[str]:
    if not can(resident, "settings"):
        return _denied(request, resident)
    form = await request.form()
    try:
        await actions.add_stop(str(form.get("name", "")), float(str(form.get("latitude", ""))),
                               float(str(form.get("longitude", ""))))  # fmt: skip
    except (ValueError, actions.Refused):
        return await _settings_refused(request, resident)
    _ = gettext_for(request, resident)
    return await _settings_done(request, resident, _("停留所を追加しました。"))


@post("/staff/stops/{stop_id:int}/active", name="bus:stop_active", guards=[requires_scopes()])
async def stop_active(
    request: Request, resident: ResidentDep, stop_id: FromPath[int]
) -> Response[str]:
    if not can(resident, "settings"):
        return _denied(request, resident)
    form = await request.form()
    await actions.set_stop_active(stop_id, form.get("active") == "1")
    _ = gettext_for(request, resident)
    return await _settings_done(request, resident, _("保存しました。"))


@post("/staff/vehicles", name="bus:add_vehicle", guards=[requires_scopes()])
async def add_vehicle(request: Request, resident: ResidentDep) -> Response[str]:
    if not can(resident, "settings"):
        return _denied(request, resident)
    form = await request.form()
    try:
        await actions.add_vehicle(str(form.get("name", "")), as_int(form.get("seats"), 0),
                                  as_int(form.get("wheelchair_places"), 0),
                                  as_int(form.get("depot"), 0))  # fmt: skip
    except actions.Refused as exc:
        return await _settings_refused(request, resident, exc.reason)
    _ = gettext_for(request, resident)
    return await _settings_done(request, resident, _("車両を追加しました。"))


STAFF_ROUTES = [staff, board, phone_booking, staff_cancel, driver_choose, driver, driver_live,
                tap, settings_page, save_settings, add_stop, stop_active, add_vehicle]  # fmt: skip
