"""The staff console: resident lookup at the counter, recovery codes, roles, the audit log."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.params import FromPath, FromQuery, URLEncodedBody

from shell.audit import queries as audit_queries
from shell.audit.actions import record
from shell.identity import actions as identity_actions
from shell.identity import queries as identity_queries
from shell.identity.actions import ActionRefused
from shell.identity.routes import client_ip
from shell.staff import actions, queries
from shell.staff.permissions import ROLES, can, requires
from shell.web.i18n import _
from shell.web.security import NO_STORE
from shell.web.templates import render

FormData = URLEncodedBody[dict[str, str]]


def role_refusal(reason: str) -> str:
    return {
        "unknown_role": _("その役割はありません。"),
        "not_found": _("その職員アカウントが見つかりません。"),
        "own_admin": _("自分自身の管理者権限は外せません。別の管理者に依頼してください。"),
    }.get(reason, _("操作できませんでした。"))


class StaffConsole(Controller):
    # Personal records: never kept by a browser or the service worker.
    cache_control = NO_STORE
    path = "/staff"

    @get("/", name="staff", guards=[requires("console.open")])
    async def home(self, request: Request[Any, Any, Any]) -> Response[str]:
        roles = request.state.roles
        abilities = {
            action: can(roles, action)
            for action in (
                "residents.lookup",
                "roles.manage",
                "audit.read",
                "apps.review",
                "disaster.operate",
                "notifications.send",
                "kpis.read",
                "resident_id.verify",
                "wallet.figures",  # wallet (issue 5)
            )
        }
        return render(request, "staff/console.html", {"abilities": abilities, "all_roles": ROLES})

    @get("/residents", name="staff_residents", guards=[requires("residents.lookup")])
    async def residents(
        self, request: Request[Any, Any, Any], q: FromQuery[str] = ""
    ) -> Response[str]:
        results = []
        if q.strip():
            results = await identity_queries.search(q)
            await record(
                "residents.searched",
                actor=request.state.account["id"],
                detail={"query": q.strip(), "found": len(results)},
                ip=client_ip(request),
            )
        return render(
            request, "staff/residents.html", {"q": q, "results": results}, block="results"
        )

    @get("/residents/{account_id:int}", guards=[requires("residents.lookup")])
    async def resident(
        self, request: Request[Any, Any, Any], account_id: FromPath[int]
    ) -> Response[str]:
        return await self._resident_page(request, account_id)

    async def _resident_page(
        self,
        request: Request[Any, Any, Any],
        account_id: int,
        code: str = "",
        identity_error: str = "",
    ) -> Response[str]:
        try:
            person = await identity_queries.account(account_id)
        except LookupError:
            return render(
                request,
                "web/error.html",
                {
                    "title": _("見つかりません"),
                    "message": _("その住民アカウントは見つかりませんでした。"),
                },
                status_code=404,
            )
        await record(
            "resident.viewed",
            actor=request.state.account["id"],
            subject=f"account:{account_id}",
            ip=client_ip(request),
        )
        context = {
            "person": person,
            "district": await identity_queries.district_of(person),
            "passkey_count": len(await identity_queries.passkeys_of(account_id)),
            "code": code,
            "identity_error": identity_error,
            "hours": request.app.state.settings.recovery_code_hours,
        }
        return render(
            request, "staff/resident.html", context, status_code=400 if identity_error else 200
        )

    @post(
        "/residents/{account_id:int}/recovery-code",
        status_code=200,
        guards=[requires("recovery.issue")],
    )
    async def issue_code(
        self, request: Request[Any, Any, Any], account_id: FromPath[int], data: FormData
    ) -> Response[str]:
        if data.get("identity_checked") != "yes":
            return await self._resident_page(
                request,
                account_id,
                identity_error=_("本人確認書類を確認したら、チェックを入れてください。"),
            )
        code = await identity_actions.issue_recovery_code(
            request.app.state.secret,
            account_id,
            issued_by=request.state.account["id"],
            hours=request.app.state.settings.recovery_code_hours,
            ip=client_ip(request),
        )
        return await self._resident_page(request, account_id, code=code)

    @get("/roles", name="staff_roles", guards=[requires("roles.manage")])
    async def roles(self, request: Request[Any, Any, Any], q: FromQuery[str] = "") -> Response[str]:
        return await self._roles_page(request, q=q)

    async def _roles_page(
        self, request: Request[Any, Any, Any], q: str = "", notice: str = "", error: str = ""
    ) -> Response[str]:
        context = {
            "staff": await queries.staff_with_roles(),
            "all_roles": ROLES,
            "q": q,
            "candidates": await identity_queries.search(q) if q.strip() else [],
            "notice": notice,
            "error": error,
        }
        return render(
            request, "staff/roles.html", context, block="roles", status_code=400 if error else 200
        )

    @post("/roles/grant", status_code=200, guards=[requires("roles.manage")])
    async def grant(self, request: Request[Any, Any, Any], data: FormData) -> Response[str]:
        return await self._change(request, data, grant=True)

    @post("/roles/revoke", status_code=200, guards=[requires("roles.manage")])
    async def revoke(self, request: Request[Any, Any, Any], data: FormData) -> Response[str]:
        return await self._change(request, data, grant=False)

    async def _change(
        self, request: Request[Any, Any, Any], data: FormData, *, grant: bool
    ) -> Response[str]:
        try:
            account_id = int(data.get("account_id", ""))
        except ValueError:
            return await self._roles_page(request, error=role_refusal("not_found"))
        role = data.get("role", "")
        change = actions.grant_role if grant else actions.revoke_role
        try:
            await change(account_id, role, by=request.state.account["id"], ip=client_ip(request))
        except ActionRefused as exc:
            return await self._roles_page(request, error=role_refusal(exc.reason))
        notice = _("役割を付与しました。") if grant else _("役割を外しました。")
        return await self._roles_page(request, notice=notice)

    @get("/audit", name="staff_audit", guards=[requires("audit.read")])
    async def audit(
        self, request: Request[Any, Any, Any], action: FromQuery[str] = ""
    ) -> Response[str]:
        entries = await audit_queries.recent(limit=200, action=action or None)
        return render(request, "staff/audit.html", {"entries": entries, "action": action})
