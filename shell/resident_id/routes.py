"""The resident's ID card, the counter request QR, the status list and the verifier's page."""

from __future__ import annotations

import base64
import hmac
import io
import secrets
from typing import Any
from urllib.parse import urlencode

import msgspec
import qrcode
import qrcode.image.svg
from litestar import Controller, Request, Response, get, post
from litestar.datastructures import CacheControlHeader
from litestar.params import JSONBody, URLEncodedBody
from litestar.response import Redirect

from shell.identity import actions as identity_actions
from shell.identity import queries as identity_queries
from shell.identity.routes import client_ip
from shell.identity.session import requires_account, sign_out
from shell.miniapp_host.keys import signing_key
from shell.resident_id import actions, queries
from shell.resident_id.actions import DOCUMENT_TYPES, Refused
from shell.resident_id.household import household_key
from shell.resident_id.messages import refusal
from shell.resident_id.provider import (
    IdentityProvider,
    LocalIdentityProvider,
    OpenIDConnectProvider,
    ProviderError,
)
from shell.web.i18n import _
from shell.web.security import NO_STORE
from shell.web.templates import render

FormData = URLEncodedBody[dict[str, str]]
# The card is personal but must open offline: the service worker may keep it (it forgets cached
# pages at sign-out); shared caches may not, and the browser asks the server each time it is online.
CARD_CACHE = CacheControlHeader(private=True, no_cache=True)


class IssueBody(msgspec.Struct):
    jwk: dict[str, Any]


def qr_data_uri(text: str) -> str:
    """A QR code as an SVG data URI (the page's CSP allows data: images, no inline styles)."""
    image = qrcode.make(text, image_factory=qrcode.image.svg.SvgPathImage, box_size=12, border=2)
    buffer = io.BytesIO()
    image.save(buffer)
    return "data:image/svg+xml;base64," + base64.b64encode(buffer.getvalue()).decode()


def photo_data_uri(photo: tuple[bytes, str] | None) -> str:
    return f"data:{photo[1]};base64,{base64.b64encode(photo[0]).decode()}" if photo else ""


class ResidentIdCard(Controller):
    path = "/id"
    guards = [requires_account]  # noqa: RUF012

    @get("/", name="resident_id", cache_control=CARD_CACHE)
    async def card(self, request: Request[Any, Any, Any]) -> Response[str]:
        account = request.state.account
        verification = await queries.verification_of(account["id"])
        settings = request.app.state.settings
        context = {
            "person": account,
            "district": await identity_queries.district_of(account),
            "verification": verification,
            "document_types": DOCUMENT_TYPES,
            "photo": photo_data_uri(await queries.photo_of(account["id"])) if verification else "",
            "claims": await actions.disclosable_claims(account["id"], settings.municipality)
            if verification
            else {},
            "kid": (await signing_key()).kid,
            "live": [c["device_thumbprint"] for c in await queries.live_credentials(account["id"])],
            "notice": request.query_params.get("notice", ""),
        }
        return render(request, "resident_id/card.html", context)

    @post("/credential", status_code=200, cache_control=NO_STORE)
    async def issue(
        self, request: Request[Any, Any, Any], data: JSONBody[IssueBody]
    ) -> Response[Any]:
        settings = request.app.state.settings
        try:
            issued = await actions.issue_credential(
                request.state.account["id"],
                data.jwk,
                issuer=settings.public_url,
                municipality=settings.municipality,
            )
        except Refused as refused:
            status = 403 if refused.reason == "not_verified" else 400
            return Response(
                {"error": refused.reason, "message": refusal(refused.reason)}, status_code=status
            )
        return Response(
            {"credential": issued.credential, "claims": issued.claims, "exp": issued.expires_at}
        )

    @post("/lost", status_code=200, cache_control=NO_STORE)
    async def lost(self, request: Request[Any, Any, Any], data: FormData) -> Response[Any]:
        """The resident's own "my phone is lost": every credential stops working, and every
        session ends, so that whoever holds the phone cannot have a new one issued."""
        account = request.state.account
        if data.get("confirm") != "yes":
            return Redirect("/id?notice=confirm")
        ip = client_ip(request)
        await actions.revoke(account["id"], "lost_device", by=account["id"], ip=ip)
        await identity_actions.sign_out_everywhere(account["id"], ip=ip)
        sign_out(request)
        return Redirect("/signin?everywhere=1")

    @get("/counter", name="resident_id_counter", cache_control=NO_STORE)
    async def counter(self, request: Request[Any, Any, Any]) -> Response[str]:
        """The request QR a clerk scans: it names a single-use request, nothing personal."""
        row = await actions.request_counter_check(request.state.account["id"])
        base = request.app.state.settings.public_url.rstrip("/")
        url = f"{base}/staff/resident-id/requests/{row['token']}"
        context = {
            "qr": qr_data_uri(url),
            "token": row["token"],
            "expires_at": row["expires_at"],
            "verified": await queries.is_verified(request.state.account["id"]),
        }
        return render(request, "resident_id/counter.html", context)

    # --- an identity provider (OpenID Connect) beside the counter -------------------------

    @get("/provider", name="resident_id_provider", cache_control=NO_STORE)
    async def provider_start(self, request: Request[Any, Any, Any]) -> Response[Any]:
        state, nonce = secrets.token_urlsafe(16), secrets.token_urlsafe(16)
        request.set_session({**(request.session or {}), PROVIDER_KEY: [state, nonce]})
        try:
            provider = await identity_provider(request)
        except ProviderError:
            return _provider_failed(request, "provider")
        url = provider.authorization_url(
            state=state, nonce=nonce, redirect_uri=_callback_url(request)
        )
        return Redirect(url)

    @get("/provider/local", cache_control=NO_STORE)
    async def local_provider(self, request: Request[Any, Any, Any]) -> Response[str]:
        """The demo's stand-in for a JPKI app: what it would read off the resident's card."""
        query = request.query_params
        context = {
            "person": request.state.account,
            "state": query.get("state", ""),
            "nonce": query.get("nonce", ""),
        }
        return render(request, "resident_id/local_provider.html", context)

    @post("/provider/local", status_code=200, cache_control=NO_STORE)
    async def local_provider_confirm(
        self, request: Request[Any, Any, Any], data: FormData
    ) -> Redirect:
        provider = await identity_provider(request)
        if not isinstance(provider, LocalIdentityProvider):
            return Redirect("/id")
        account = request.state.account
        code = provider.issue_code(
            name=account["name"],
            birthdate=account["birth_date"],
            nonce=data.get("nonce", ""),
            redirect_uri=_callback_url(request),
            address=data.get("address", ""),
        )
        query = urlencode({"code": code, "state": data.get("state", "")})
        return Redirect(f"/id/provider/callback?{query}")

    @get("/provider/callback", cache_control=NO_STORE)
    async def provider_callback(self, request: Request[Any, Any, Any]) -> Response[Any]:
        code = request.query_params.get("code", "")
        state = request.query_params.get("state", "")
        account = request.state.account
        expected = (request.session or {}).get(PROVIDER_KEY) or ["", ""]
        request.set_session({k: v for k, v in (request.session or {}).items() if k != PROVIDER_KEY})
        try:
            if not expected[0] or not hmac.compare_digest(
                state.encode(), str(expected[0]).encode()
            ):
                raise ProviderError("state")
            provider = await identity_provider(request)
            who = await provider.complete(
                code=code, nonce=expected[1], redirect_uri=_callback_url(request)
            )
            if (
                _plain(who.name) != _plain(account["name"])
                or who.birthdate != account["birth_date"]
            ):
                raise ProviderError("mismatch")
        except ProviderError as error:
            return _provider_failed(
                request, "mismatch" if error.reason == "mismatch" else "provider"
            )
        settings = request.app.state.settings
        await actions.verify_by_provider(
            account["id"],
            provider=provider.name,
            checked_on=actions.today_in_japan(),
            household=household_key(request.app.state.secret, who.address, settings.municipality),
        )
        return Redirect("/id?notice=verified")


PROVIDER_KEY = "resident_id_provider"


async def identity_provider(request: Request[Any, Any, Any]) -> IdentityProvider:
    """``MACHI_OIDC_ISSUER``'s provider (discovered once per process), else the local one."""
    state = request.app.state
    settings = state.settings
    if not settings.oidc_issuer:
        return LocalIdentityProvider(secret=state.secret)
    if getattr(state, "identity_provider", None) is None:
        state.identity_provider = await OpenIDConnectProvider.discover(
            settings.oidc_issuer,
            client_id=settings.oidc_client_id,
            client_secret=settings.oidc_client_secret,
        )
    return state.identity_provider  # type: ignore[no-any-return]


def _provider_failed(request: Request[Any, Any, Any], reason: str) -> Response[str]:
    context = {"title": _("本人確認できませんでした"), "message": refusal(reason)}
    return render(request, "web/error.html", context, status_code=400)


def _callback_url(request: Request[Any, Any, Any]) -> str:
    return request.app.state.settings.public_url.rstrip("/") + "/id/provider/callback"


def _plain(name: str) -> str:
    return "".join(name.split())


@get("/resident-id/status", name="resident_id_status", include_in_schema=False)
async def status_list(request: Request[Any, Any, Any]) -> Response[str]:
    """The IETF token status list of every credential (1 = revoked), signed by the city."""
    token = await actions.status_list_token(request.app.state.settings.public_url)
    return Response(
        token,
        media_type="application/statuslist+jwt",
        headers={"Cache-Control": "public, max-age=60"},
    )


@get("/verify", name="verify", include_in_schema=False)
async def verify_page(request: Request[Any, Any, Any]) -> Response[str]:
    """The verifier's page: works offline once opened, with the keys and list it cached."""
    settings = request.app.state.settings
    return render(
        request,
        "resident_id/verify.html",
        {"issuer": settings.public_url, "municipality": settings.municipality},
    )
