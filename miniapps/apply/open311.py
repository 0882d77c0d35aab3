"""Reports through the Open311 GeoReport v2 API, as JSON (https://wiki.open311.org/GeoReport_v2).

``GET /open311/v2/services.json``, ``GET /open311/v2/requests.json`` and
``GET /open311/v2/requests/{id}.json`` are public: they carry the category, place, note, status
and dates of a report, never who filed it. ``POST /open311/v2/requests.json`` files a report and
needs a resident's launch token (``Authorization: Bearer``); ``media`` is not accepted here (send
photos from the app, where they are checked and stripped of their location).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from litestar import Request, Response, get, post
from litestar.params import FromPath, FromQuery
from machi_sdk import ResidentDep, requires_scopes
from machi_sdk.app import PUBLIC_OPT

from . import actions, place, views
from .actions import Refused

PUBLIC = {PUBLIC_OPT: True}
AGENCY = "市役所 建設課"
SERVICE_NAMES_EN = {
    "road": "Damaged road",
    "streetlight": "Broken streetlight",
    "park": "Park equipment",
    "fallen_tree": "Fallen tree",
    "dumping": "Illegal dumping",
    "other": "Other",
}
GROUPS = {
    "road": "道路",
    "streetlight": "道路",
    "park": "公園",
    "fallen_tree": "道路・公園",
    "dumping": "環境",
    "other": "その他",
}
JSON_HEADERS = {"Access-Control-Allow-Origin": "*", "Cache-Control": "no-cache"}


def _iso(value: dt.datetime | None) -> str | None:
    return value.astimezone(views.JST).isoformat(timespec="seconds") if value else None


def _service_name(code: str, lang: str) -> str:
    return SERVICE_NAMES_EN[code] if lang == "en" else views.REPORT_CATEGORIES[code]


def request_json(row: dict[str, Any], notes: str, lang: str = "ja") -> dict[str, Any]:
    """One report with exactly the GeoReport v2 field names."""
    centre = (
        (row["lat"], row["lon"]) if row["lat"] is not None else place.centre_of(row["district"])
    )
    return {
        "service_request_id": row["number"],
        "status": "closed" if row["status"] == "closed" else "open",
        "status_notes": notes,
        "service_name": _service_name(row["category"], lang),
        "service_code": row["category"],
        "description": row["note"],
        "agency_responsible": AGENCY,
        "service_notice": "",
        "requested_datetime": _iso(row["created_at"]),
        "updated_datetime": _iso(row["updated_at"]),
        "expected_datetime": None,
        "address": " ".join(
            x for x in (place.district_name(row["district"], lang), row["address"]) if x
        ),
        "address_id": None,
        "zipcode": None,
        "lat": centre[0] if centre else None,
        "long": centre[1] if centre else None,
        "media_url": None,
    }


async def _notes(row: dict[str, Any]) -> str:
    events = await actions.report_history(row["id"])
    return next((e["message"] for e in reversed(events) if e["message"]), "")


def _error(code: int, description: str) -> Response[Any]:
    return Response(
        [{"code": code, "description": description}], status_code=code, headers=JSON_HEADERS
    )


@get("/open311/v2/services.json", name="apply:open311_services", opt=PUBLIC)
async def services(lang: FromQuery[str] = "ja") -> Response[Any]:
    """The categories residents can report, as GeoReport v2 services."""
    return Response(
        [
            {
                "service_code": code,
                "service_name": _service_name(code, lang),
                "description": _service_name(code, lang),
                "metadata": False,
                "type": "realtime",
                "keywords": code.replace("_", " "),
                "group": GROUPS[code],
            }
            for code in actions.REPORT_CATEGORIES
        ],
        headers=JSON_HEADERS,
    )


@get("/open311/v2/requests.json", name="apply:open311_requests", opt=PUBLIC)
async def requests_list(
    service_code: FromQuery[str] = "",
    status: FromQuery[str] = "",
    service_request_id: FromQuery[str] = "",
    lang: FromQuery[str] = "ja",
) -> Response[Any]:
    """Reports, newest first (at most 500), filtered by service code and status."""
    if service_code and any(c not in actions.REPORT_CATEGORIES for c in service_code.split(",")):
        return _error(400, "unknown service_code")
    if status and status not in ("open", "closed"):
        return _error(400, "status is open or closed")
    rows = await actions.reports()
    if service_code:
        rows = [r for r in rows if r["category"] in service_code.split(",")]
    if status:
        rows = [r for r in rows if (r["status"] == "closed") == (status == "closed")]
    if service_request_id:
        wanted = set(service_request_id.split(","))
        rows = [r for r in rows if r["number"] in wanted]
    return Response([request_json(r, await _notes(r), lang) for r in rows], headers=JSON_HEADERS)


@get("/open311/v2/requests/{request_id:str}", name="apply:open311_request", opt=PUBLIC)
async def request_one(request_id: FromPath[str], lang: FromQuery[str] = "ja") -> Response[Any]:
    """One report (``/requests/R1234-5678.json``) in a list, as the specification says."""
    number = request_id.removesuffix(".json")
    try:
        row = await actions.report(number)
    except Refused:
        return _error(404, "no such service_request_id")
    return Response([request_json(row, await _notes(row), lang)], headers=JSON_HEADERS)


@post("/open311/v2/requests.json", name="apply:open311_post", guards=[requires_scopes()])
async def request_post(request: Request, resident: ResidentDep) -> Response[Any]:
    """File a report for the resident whose token this is (form-encoded, as GeoReport v2)."""
    form = await request.form()
    lat, lon = form.get("lat"), form.get("long")
    try:
        here = (float(lat), float(lon)) if lat not in (None, "") and lon not in (None, "") else None
    except (TypeError, ValueError):
        return _error(400, "lat and long are decimal degrees")
    if here and not resident.has("location"):
        return _error(403, "the resident has not shared their location with this app")
    try:
        row = await actions.file_report(
            resident.id,
            category=str(form.get("service_code", "")),
            note=str(form.get("description", "")),
            lat=here[0] if here else None,
            lon=here[1] if here else None,
            address=str(form.get("address_string", "")),
            district=str(form.get("address_id", "")),
            photo=None,
            key=str(
                form.get("attribute[key]", "")
                or form.get("device_id", "")
                or f"api-{dt.datetime.now(dt.UTC).timestamp()}"
            ),
            locale=resident.locale,
        )
    except Refused as exc:
        return _error(400, exc.reason)
    return Response(
        [{"service_request_id": row["number"], "service_notice": "", "account_id": None}],
        status_code=201,
        headers=JSON_HEADERS,
    )


OPEN311_ROUTES = [services, requests_list, request_one, request_post]
