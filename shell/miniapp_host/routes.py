"""Open a mini-app: consent first, then the sandboxed frame; tokens over the bridge; grants."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.exceptions import NotFoundException
from litestar.params import FromPath
from litestar.response import Redirect

from shell.identity.queries import district_of
from shell.identity.routes import client_ip
from shell.identity.session import requires_account
from shell.miniapp_host import actions, keys, queries, tokens
from shell.miniapp_host.registry import HostedApp, Registry
from shell.miniapp_host.scopes import SCOPES
from shell.resident_id.household import household_for_app
from shell.resident_id.queries import is_verified
from shell.web.i18n import _
from shell.web.security import NO_STORE
from shell.web.templates import render
from shell.web.urls import safe_next


async def _app(request: Request[Any, Any, Any], slug: str) -> HostedApp:
    """The app, read live: a suspended partner app stops launching and getting tokens at once."""
    registry: Registry = request.app.state.miniapps
    app = await registry.aget(slug, live=True)
    if app is None:
        raise NotFoundException()
    return app


class MiniAppLaunch(Controller):
    path = "/apps"
    guards = [requires_account]  # noqa: RUF012
    cache_control = NO_STORE

    @get("/{slug:str}", name="miniapp_launch")
    async def launch(self, request: Request[Any, Any, Any], slug: FromPath[str]) -> Response[str]:
        app = await _app(request, slug)
        grant = await queries.active_grant(request.state.account["id"], app.id)
        missing = set(app.scopes) - set(grant["scopes"] if grant else [])
        if grant is None or missing:
            context = {"app": app, "scopes": app.scopes, "scope_labels": SCOPES}
            return render(request, "miniapp_host/consent.html", context)
        subject = grant["subject"] or tokens.pairwise_id(
            request.app.state.secret, app.id, request.state.account["id"]
        )
        await actions.record_launch(app.id, subject)
        # A notification or a link may open a page of the app: a path on its own origin only.
        path = safe_next(request.query_params.get("path"), "/")
        return render(request, "miniapp_host/launch.html", {"app": app, "path": path})

    @post("/{slug:str}/consent", status_code=303)
    async def consent(self, request: Request[Any, Any, Any], slug: FromPath[str]) -> Redirect:
        app = await _app(request, slug)
        account_id = request.state.account["id"]
        subject = tokens.pairwise_id(request.app.state.secret, app.id, account_id)
        await actions.grant(
            account_id, app.id, list(app.scopes), subject=subject, ip=client_ip(request)
        )
        return Redirect(f"/apps/{app.id}")

    @post("/{slug:str}/token", status_code=200)
    async def token(self, request: Request[Any, Any, Any], slug: FromPath[str]) -> Response[Any]:
        registry: Registry = request.app.state.miniapps
        app = await registry.aget(slug, live=True)
        if app is None:  # unknown, or a partner app no longer approved (suspended): no token
            return Response({"error": _("このアプリは今は使えません。")}, status_code=403)
        account = request.state.account
        grant = await queries.active_grant(account["id"], app.id)
        if grant is None:
            return Response({"error": _("このアプリは許可されていません。")}, status_code=403)
        scopes = sorted(set(grant["scopes"]) & set(app.scopes))
        settings = request.app.state.settings
        verified = "resident.verified" in scopes and await is_verified(account["id"])
        household = (
            await household_for_app(request.app.state.secret, app.id, account["id"])
            if "resident.household" in scopes
            else None
        )
        claims = tokens.granted_claims(
            set(scopes), account, await district_of(account), verified=verified, household=household
        )
        roles = sorted(set(app.roles) & set(request.state.roles))
        token, expires_at = await tokens.mint(
            issuer=settings.public_url, secret=request.app.state.secret, app_id=app.id,
            account=account, scopes=scopes, claims=claims, locale=request.state.locale, roles=roles,
        )  # fmt: skip
        return Response({"token": token, "expires_at": expires_at, "scopes": scopes})


class Grants(Controller):
    path = "/account/apps"
    guards = [requires_account]  # noqa: RUF012
    cache_control = NO_STORE

    async def _page(self, request: Request[Any, Any, Any], notice: str = "") -> Response[str]:
        registry: Registry = request.app.state.miniapps
        rows = await queries.grants_of(request.state.account["id"])
        names = {app.id: app for app in await registry.aall()}
        grants = []
        for row in rows:
            app = names.get(row["app_id"])
            name = app.name if app else row["app_id"]
            grants.append({**row, "app_name": name})
        context = {"grants": grants, "scope_labels": SCOPES, "notice": notice}
        return render(request, "miniapp_host/grants.html", context, block="grants")

    @get("/", name="grants")
    async def page(self, request: Request[Any, Any, Any]) -> Response[str]:
        return await self._page(request)

    @post("/{slug:str}/revoke", status_code=200)
    async def revoke(self, request: Request[Any, Any, Any], slug: FromPath[str]) -> Response[str]:
        await actions.revoke(request.state.account["id"], slug, ip=client_ip(request))
        return await self._page(request, notice=_("許可を取り消しました。"))


@get("/.well-known/jwks.json", name="jwks", skip_session=True, include_in_schema=False)
async def jwks() -> Response[dict[str, Any]]:
    return Response(await keys.jwks(), headers={"Cache-Control": "public, max-age=300"})


@get("/sdk/machi.js", name="sdk_bridge", skip_session=True, include_in_schema=False)
async def sdk_bridge() -> Response[bytes]:
    """The mini-app side of the bridge, from the installed machi-sdk, for every app origin."""
    from machi_sdk import static_dir

    body = (static_dir() / "machi.js").read_bytes()
    headers = {"Cache-Control": "no-cache", "Access-Control-Allow-Origin": "*"}
    return Response(body, media_type="text/javascript", headers=headers)
