"""The developer portal (any signed-in account) and the staff review queue (``apps.review``)."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.exceptions import NotFoundException
from litestar.params import FromPath, URLEncodedBody
from litestar.response import Redirect

from shell.developer import actions, queries
from shell.developer.actions import FormInvalid
from shell.developer.checks import CHECK_MESSAGES, CHECK_NAMES, Registration
from shell.identity.actions import ActionRefused
from shell.identity.routes import client_ip
from shell.identity.session import requires_account
from shell.miniapp_host.registry import Registry
from shell.platform_api import actions as platform_actions
from shell.staff.permissions import requires
from shell.web.i18n import _, get_locale, lazy
from shell.web.security import NO_STORE
from shell.web.templates import render

FormData = URLEncodedBody[dict[str, str]]

STATUSES: dict[str, str] = {
    "draft": lazy("下書き"),
    "submitted": lazy("審査待ち"),
    "approved": lazy("公開中"),
    "rejected": lazy("差し戻し"),
    "suspended": lazy("停止中"),
}


def refusal(reason: str) -> str:
    return {
        "not_editable": _("審査中・公開中のアプリは変更できません。"),
        "not_submittable": _("このアプリは今は審査に出せません。"),
        "wrong_status": _("このアプリの今の状態では、その操作はできません。"),
        "checks_failed": _("自動チェックがすべて通るまで承認できません。"),
        "reason_required": _("差し戻す理由を書いてください。開発者に伝わります。"),
    }.get(reason, _("操作できませんでした。"))


def _labels() -> dict[str, Any]:
    return {"statuses": STATUSES, "check_names": CHECK_NAMES, "check_messages": CHECK_MESSAGES}


def name_of(row: dict[str, Any]) -> str:
    """The app's name in the current locale, from its manifest; Japanese when it has none."""
    names = row["manifest"].get("name", {})
    return str(names.get(get_locale()) or names.get("ja") or row["slug"])


def _empty_form() -> Registration:
    return Registration(manifest_text="", origin="", webhook_url="")


def _registry(request: Request[Any, Any, Any]) -> Registry:
    return request.app.state.miniapps  # type: ignore[no-any-return]


class DeveloperPortal(Controller):
    path = "/developer"
    guards = [requires_account]  # noqa: RUF012
    cache_control = NO_STORE

    @get("/", name="developer")
    async def home(self, request: Request[Any, Any, Any]) -> Response[str]:
        apps = await queries.apps_of(request.state.account["id"])
        return render(request, "developer/portal.html", {"apps": apps, **_labels()})

    @get("/new", name="developer_new")
    async def new(self, request: Request[Any, Any, Any]) -> Response[str]:
        return render(request, "developer/register.html", {"form": _empty_form()})

    @post("/new", status_code=303)
    async def register(self, request: Request[Any, Any, Any], data: FormData) -> Response[Any]:
        try:
            row = await actions.register(
                request.state.account["id"], data.get("manifest", ""), data.get("origin", ""),
                data.get("webhook_url", ""), reserved={a.id for a in _registry(request).all()},
                ip=client_ip(request),
            )  # fmt: skip
        except FormInvalid as exc:
            return render(request, "developer/register.html", {"form": exc.form}, status_code=400)
        return Redirect(f"/developer/apps/{row['slug']}?registered=1", status_code=303)

    async def _own(self, request: Request[Any, Any, Any], slug: str) -> dict[str, Any]:
        row = await queries.app(slug)
        if row is None or row["owner"] != request.state.account["id"]:
            raise NotFoundException()
        return row

    async def _page(
        self,
        request: Request[Any, Any, Any],
        slug: str,
        *,
        form: Registration | None = None,
        notice: str = "",
        error: str = "",
        status_code: int = 200,
        credentials: tuple[str, str] | None = None,
    ) -> Response[str]:
        row = await self._own(request, slug)
        form = form or Registration(row["manifest_text"], row["origin"], row["webhook_url"])
        context = {
            "app": row,
            "app_name": name_of(row),
            "form": form,
            "notice": notice,
            "error": error,
            "editable": row["status"] in actions.EDITABLE,
            "credentials": credentials,
            **_labels(),
        }
        return render(request, "developer/app.html", context, status_code=status_code)

    @get("/apps/{slug:str}", name="developer_app")
    async def show(self, request: Request[Any, Any, Any], slug: FromPath[str]) -> Response[str]:
        notice = _("アプリを登録しました。") if request.query_params.get("registered") else ""
        return await self._page(request, slug, notice=notice)

    @post("/apps/{slug:str}", status_code=200)
    async def edit(
        self, request: Request[Any, Any, Any], slug: FromPath[str], data: FormData
    ) -> Response[str]:
        await self._own(request, slug)
        try:
            await actions.edit(
                request.state.account["id"], slug, data.get("manifest", ""),
                data.get("origin", ""), data.get("webhook_url", ""), ip=client_ip(request),
            )  # fmt: skip
        except FormInvalid as exc:
            return await self._page(request, slug, form=exc.form, status_code=400)
        except ActionRefused as exc:
            return await self._page(request, slug, error=refusal(exc.reason), status_code=409)
        return await self._page(request, slug, notice=_("変更を保存しました。"))

    @post("/apps/{slug:str}/submit", status_code=200)
    async def submit(self, request: Request[Any, Any, Any], slug: FromPath[str]) -> Response[str]:
        await self._own(request, slug)
        try:
            await actions.submit(
                request.state.account["id"], slug,
                shell_url=request.app.state.settings.public_url, ip=client_ip(request),
            )  # fmt: skip
        except ActionRefused as exc:
            return await self._page(request, slug, error=refusal(exc.reason), status_code=409)
        notice = _("審査に出しました。結果はこのページに表示されます。")
        return await self._page(request, slug, notice=notice)

    @post("/apps/{slug:str}/credentials", status_code=200)
    async def credentials(
        self, request: Request[Any, Any, Any], slug: FromPath[str]
    ) -> Response[str]:
        """A new client id and secret for the Platform API; any earlier pair stops working now.
        The secret is shown this once: only its HMAC is kept."""
        row = await self._own(request, slug)
        client_id, secret = await platform_actions.rotate_credentials(
            row["slug"], request.app.state.secret,
            actor=request.state.account["id"], ip=client_ip(request),
        )  # fmt: skip
        notice = _("新しい認証情報を発行しました。前の認証情報はもう使えません。")
        return await self._page(request, slug, notice=notice, credentials=(client_id, secret))


class AppReview(Controller):
    path = "/staff/review"
    guards = [requires("apps.review")]  # noqa: RUF012
    cache_control = NO_STORE

    @get("/", name="staff_review")
    async def queue(self, request: Request[Any, Any, Any]) -> Response[str]:
        queue = await queries.review_queue()
        return render(request, "developer/review_queue.html", {"queue": queue, **_labels()})

    async def _page(
        self,
        request: Request[Any, Any, Any],
        slug: str,
        *,
        notice: str = "",
        error: str = "",
        status_code: int = 200,
    ) -> Response[str]:
        row = await queries.app(slug)
        if row is None or row["status"] == "draft":
            raise NotFoundException()
        context = {"app": row, "notice": notice, "error": error, **_labels()}
        return render(
            request, "developer/review.html", context, block="review", status_code=status_code
        )

    @get("/{slug:str}", name="staff_review_app")
    async def show(self, request: Request[Any, Any, Any], slug: FromPath[str]) -> Response[str]:
        return await self._page(request, slug)

    @post("/{slug:str}/checks", status_code=200)
    async def checks(self, request: Request[Any, Any, Any], slug: FromPath[str]) -> Response[str]:
        await self._page(request, slug)  # 404 for unknown apps and drafts
        await actions.rerun_checks(
            request.state.account["id"], slug,
            shell_url=request.app.state.settings.public_url, ip=client_ip(request),
        )  # fmt: skip
        return await self._page(request, slug, notice=_("自動チェックをやり直しました。"))

    @post("/{slug:str}/approve", status_code=200)
    async def approve(
        self, request: Request[Any, Any, Any], slug: FromPath[str], data: FormData
    ) -> Response[str]:
        return await self._decide(request, slug, "approve", data)

    @post("/{slug:str}/reject", status_code=200)
    async def reject(
        self, request: Request[Any, Any, Any], slug: FromPath[str], data: FormData
    ) -> Response[str]:
        return await self._decide(request, slug, "reject", data)

    @post("/{slug:str}/suspend", status_code=200)
    async def suspend(
        self, request: Request[Any, Any, Any], slug: FromPath[str], data: FormData
    ) -> Response[str]:
        return await self._decide(request, slug, "suspend", data)

    async def _decide(
        self, request: Request[Any, Any, Any], slug: str, decision: str, data: dict[str, str]
    ) -> Response[str]:
        await self._page(request, slug)  # 404 for unknown apps and drafts
        reviewer, ip, reason = request.state.account["id"], client_ip(request), data.get("reason")
        try:
            if decision == "approve":
                await actions.approve(reviewer, slug, ip=ip)
                notice = _("承認しました。住民のホーム画面に表示されます。")
            elif decision == "reject":
                await actions.reject(reviewer, slug, reason or "", ip=ip)
                notice = _("差し戻しました。理由は開発者に表示されます。")
            else:
                await actions.suspend(reviewer, slug, reason or "", ip=ip)
                notice = _("停止しました。このアプリはもう開けません。")
        except ActionRefused as exc:
            return await self._page(request, slug, error=refusal(exc.reason), status_code=400)
        _registry(request).forget_partners()
        return await self._page(request, slug, notice=notice)
