"""The counter's side: scan a resident's request QR, record the document type, revoke."""

from __future__ import annotations

import datetime as dt
from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.datastructures import UploadFile
from litestar.params import FromPath, FromQuery, MultipartBody, URLEncodedBody
from litestar.response import Redirect

from shell.audit.actions import record
from shell.identity import queries as identity_queries
from shell.identity.routes import client_ip
from shell.resident_id import actions, queries
from shell.resident_id.actions import DOCUMENT_TYPES, REVOKE_REASONS, Refused
from shell.resident_id.household import household_key
from shell.resident_id.messages import refusal
from shell.staff.permissions import requires
from shell.web.i18n import _
from shell.web.security import NO_STORE
from shell.web.templates import render

FormData = URLEncodedBody[dict[str, str]]
Multipart = MultipartBody[dict[str, Any]]


def _not_found(request: Request[Any, Any, Any], message: str) -> Response[str]:
    return render(
        request,
        "web/error.html",
        {"title": _("見つかりません"), "message": message},
        status_code=404,
    )


class StaffResidentId(Controller):
    # Personal records: never kept by a browser or the service worker.
    cache_control = NO_STORE
    path = "/staff/resident-id"

    @get("/", name="staff_resident_id", guards=[requires("resident_id.verify")])
    async def scanner(
        self, request: Request[Any, Any, Any], q: FromQuery[str] = ""
    ) -> Response[str]:
        results = await identity_queries.search(q) if q.strip() else []
        if q.strip():
            await record(
                "residents.searched",
                actor=request.state.account["id"],
                detail={"query": q.strip(), "found": len(results)},
                ip=client_ip(request),
            )
        return render(request, "resident_id/staff_scan.html", {"q": q, "results": results})

    @get("/requests/", guards=[requires("resident_id.verify")])
    async def open_code(self, code: FromQuery[str] = "") -> Redirect:
        """The typed code (for when the camera cannot read the QR)."""
        code = "".join(ch for ch in code.strip() if ch.isalnum() or ch in "-_")
        return Redirect(f"/staff/resident-id/requests/{code}" if code else "/staff/resident-id/")

    @get("/requests/{token:str}", guards=[requires("resident_id.verify")])
    async def request_page(
        self, request: Request[Any, Any, Any], token: FromPath[str]
    ) -> Response[str]:
        return await self._request_page(request, token)

    async def _request_page(
        self,
        request: Request[Any, Any, Any],
        token: str,
        error: str = "",
        form: dict[str, str] | None = None,
    ) -> Response[str]:
        live = await queries.live_request(token)
        if live is None:
            return _not_found(request, refusal("request"))
        person = await identity_queries.account(live["account"])
        await record(
            "resident.viewed",
            actor=request.state.account["id"],
            subject=f"account:{person['id']}",
            ip=client_ip(request),
        )
        context = {
            "token": token,
            "person": person,
            "district": await identity_queries.district_of(person),
            "verification": await queries.verification_of(person["id"]),
            "document_types": DOCUMENT_TYPES,
            "today": actions.today_in_japan(),
            "error": error,
            "form": form or {},
            "photo_kb": actions.PHOTO_MAX_BYTES // 1024,
        }
        return render(
            request, "resident_id/staff_request.html", context, status_code=400 if error else 200
        )

    @post("/requests/{token:str}", status_code=200, guards=[requires("resident_id.verify")])
    async def verify(
        self, request: Request[Any, Any, Any], token: FromPath[str], data: Multipart
    ) -> Response[str]:
        form = {k: v for k, v in data.items() if isinstance(v, str)}
        upload = data.get("photo")
        photo = await upload.read() if isinstance(upload, UploadFile) else b""
        try:
            if form.get("document_checked") != "yes":
                raise Refused("confirm")
            checked_on = dt.date.fromisoformat(form.get("checked_on", ""))
            settings = request.app.state.settings
            household = household_key(
                request.app.state.secret, form.get("address", ""), settings.municipality
            )
            if not household:
                raise Refused("address")
        except ValueError:
            return await self._request_page(request, token, refusal("checked_on"), form)
        except Refused as refused:
            return await self._request_page(request, token, refusal(refused.reason), form)
        try:
            account_id = await actions.verify_at_counter(
                token,
                staff_id=request.state.account["id"],
                document_type=form.get("document_type", ""),
                checked_on=checked_on,
                photo=photo or None,
                ip=client_ip(request),
                household=household,
            )
        except Refused as refused:
            return await self._request_page(request, token, refusal(refused.reason), form)
        person = await identity_queries.account(account_id)
        return render(request, "resident_id/staff_done.html", {"person": person})

    @get("/residents/{account_id:int}", guards=[requires("resident_id.revoke")])
    async def resident(
        self, request: Request[Any, Any, Any], account_id: FromPath[int]
    ) -> Response[str]:
        return await self._resident_page(request, account_id)

    async def _resident_page(
        self, request: Request[Any, Any, Any], account_id: int, notice: str = "", error: str = ""
    ) -> Response[str]:
        try:
            person = await identity_queries.account(account_id)
        except LookupError:
            return _not_found(request, refusal("not_found"))
        await record(
            "resident.viewed",
            actor=request.state.account["id"],
            subject=f"account:{account_id}",
            ip=client_ip(request),
        )
        context = {
            "person": person,
            "verification": await queries.verification_of(account_id),
            "credentials": await queries.live_credentials(account_id),
            # whether a household key was recorded (verified before households: a household of one)
            "household": bool(await queries.household_of(account_id)),
            "document_types": DOCUMENT_TYPES,
            "reasons": REVOKE_REASONS,
            "notice": notice,
            "error": error,
        }
        return render(
            request, "resident_id/staff_resident.html", context, status_code=400 if error else 200
        )

    @post(
        "/residents/{account_id:int}/revoke",
        status_code=200,
        guards=[requires("resident_id.revoke")],
    )
    async def revoke(
        self, request: Request[Any, Any, Any], account_id: FromPath[int], data: FormData
    ) -> Response[str]:
        try:
            count = await actions.revoke(
                account_id,
                data.get("reason", ""),
                by=request.state.account["id"],
                ip=client_ip(request),
            )
        except Refused as refused:
            return await self._resident_page(request, account_id, error=refusal(refused.reason))
        notice = _(
            "市民証を失効させました（%(count)s件）。確認する側には次の同期で伝わります。",
            count=count,
        )
        return await self._resident_page(request, account_id, notice=notice)
