"""Sign-up, sign-in and sign-out with passkeys; the account page; recovery with a code."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, Router, get, post
from litestar.middleware.rate_limit import RateLimitConfig
from litestar.params import FromPath, JSONBody, URLEncodedBody
from litestar.response import Redirect

from shell.city.queries import districts
from shell.identity import actions, passkeys, queries
from shell.identity.actions import ActionRefused
from shell.identity.forms import ProfileForm, check_profile
from shell.identity.messages import refusal
from shell.identity.passkeys import CeremonyError
from shell.identity.session import requires_account, session_nonce, sign_in, sign_out
from shell.web.i18n import _
from shell.web.security import NO_STORE
from shell.web.templates import render, render_to_string
from shell.web.urls import safe_next

FormData = URLEncodedBody[dict[str, str]]
JSONData = JSONBody[dict[str, Any]]


def client_ip(request: Request[Any, Any, Any]) -> str:
    return request.client.host if request.client else ""


def refused(reason: str, status_code: int = 400) -> Response[dict[str, str]]:
    return Response({"error": refusal(reason)}, status_code=status_code)


def _credential(data: JSONData) -> dict[str, Any]:
    credential = data.get("credential")
    if not isinstance(credential, dict):
        raise CeremonyError("bad_request")
    return credential


def passkey_label(request: Request[Any, Any, Any]) -> str:
    """A name the resident recognises in the list of passkeys: the device that made it."""
    agent = request.headers.get("user-agent", "")
    for needle, name in (
        ("iPhone", "iPhone"),
        ("iPad", "iPad"),
        ("Android", "Android"),
        ("Macintosh", "Mac"),
        ("Windows", "Windows"),
        ("Linux", "Linux"),
    ):
        if needle in agent:
            return name
    return ""  # shown as "passkey" in the reader's language


async def signup_page(
    request: Request[Any, Any, Any], form: ProfileForm | None = None, status_code: int = 200
) -> Response[str]:
    context = {
        "form": form or ProfileForm(values={"language": request.state.get("locale", "ja")}),
        "districts": await districts(),
    }
    return render(request, "identity/signup.html", context, block="form", status_code=status_code)


class SignUp(Controller):
    path = "/signup"

    @get("/", name="signup")
    async def page(self, request: Request[Any, Any, Any]) -> Response[str] | Redirect:
        if request.state.get("account"):
            return Redirect("/")
        return await signup_page(request)

    @post("/options", status_code=200)
    async def options(self, request: Request[Any, Any, Any], data: JSONData) -> Response[Any]:
        form = await check_profile(data)
        if not form.ok:
            html = render_to_string(
                request,
                "identity/signup.html",
                {"form": form, "districts": await districts()},
                block="form",
            )
            return Response({"form_html": html}, status_code=422)
        handle = passkeys.new_user_handle()
        options = await passkeys.registration_options(
            request.app.state.settings,
            purpose="signup",
            nonce=session_nonce(request),
            user_name=form.cleaned["name"],
            user_handle=handle,
            payload={"profile": form.values, "handle": handle},
        )
        return Response({"options": options})

    @post("/finish", status_code=200)
    async def finish(self, request: Request[Any, Any, Any], data: JSONData) -> Response[Any]:
        settings = request.app.state.settings
        try:
            credential = _credential(data)
            row = await passkeys.consume_challenge(
                credential, purpose="signup", nonce=session_nonce(request)
            )
            new = passkeys.verify_new_passkey(settings, credential, row)
            form = await check_profile(row["payload"]["profile"])
            if not form.ok:  # a district removed in the meantime, say
                raise CeremonyError("expired")
            account = await actions.create_account(
                form.cleaned,
                row["payload"]["handle"],
                new,
                label=passkey_label(request),
                ip=client_ip(request),
            )
        except (CeremonyError, ActionRefused) as exc:
            return refused(exc.reason)
        sign_in(request, account)
        return Response({"redirect": "/"})


class SignIn(Controller):
    path = "/signin"

    @get("/", name="signin")
    async def page(self, request: Request[Any, Any, Any]) -> Response[str] | Redirect:
        if request.state.get("account"):
            return Redirect("/")
        return render(request, "identity/signin.html")

    @post("/options", status_code=200)
    async def options(self, request: Request[Any, Any, Any]) -> Response[Any]:
        options = await passkeys.authentication_options(
            request.app.state.settings, nonce=session_nonce(request)
        )
        return Response({"options": options})

    @post("/finish", status_code=200)
    async def finish(self, request: Request[Any, Any, Any], data: JSONData) -> Response[Any]:
        settings = request.app.state.settings
        try:
            credential = _credential(data)
            passkey = await queries.passkey_by_credential(passkeys.credential_id_of(credential))
            row = await passkeys.consume_challenge(
                credential, purpose="authenticate", nonce=session_nonce(request)
            )
            if passkey is None:
                raise CeremonyError("unknown_passkey")
            count = passkeys.verify_assertion(settings, credential, row, passkey)
            await actions.signed_in(passkey["account"], passkey["id"], count, ip=client_ip(request))
        except CeremonyError as exc:
            return refused(exc.reason)
        account = await queries.account(passkey["account"])
        sign_in(request, account)
        return Response({"redirect": safe_next(str(data.get("next") or "/"))})


@post("/signout", name="signout", status_code=303)
async def signout(request: Request[Any, Any, Any]) -> Redirect:
    account = request.state.get("account")
    if account:
        await actions.signed_out(account["id"], ip=client_ip(request))
    sign_out(request)
    return Redirect("/signin")


class AccountPage(Controller):
    # Personal records: never kept by a browser or the service worker.
    cache_control = NO_STORE
    path = "/account"
    guards = [requires_account]  # noqa: RUF012

    async def _page(self, request: Request[Any, Any, Any], **extra: Any) -> Response[str]:
        account = request.state.account
        context = {
            "passkeys": await queries.passkeys_of(account["id"]),
            "district": await queries.district_of(account),
            "error": "",
            "notice": "",
            **extra,
        }
        return render(
            request,
            "identity/account.html",
            context,
            block="passkeys",
            status_code=400 if extra.get("error") else 200,
        )

    @get("/", name="account")
    async def page(self, request: Request[Any, Any, Any]) -> Response[str]:
        return await self._page(request)

    @post("/passkeys/options", status_code=200)
    async def add_options(self, request: Request[Any, Any, Any]) -> Response[Any]:
        account = request.state.account
        existing = [p["credential_id"] for p in await queries.passkeys_of(account["id"])]
        options = await passkeys.registration_options(
            request.app.state.settings,
            purpose="add",
            nonce=session_nonce(request),
            user_name=account["name"],
            user_handle=account["webauthn_user_id"],
            account=account["id"],
            exclude=existing,
        )
        return Response({"options": options})

    @post("/passkeys/finish", status_code=200)
    async def add_finish(self, request: Request[Any, Any, Any], data: JSONData) -> Response[Any]:
        account = request.state.account
        try:
            credential = _credential(data)
            row = await passkeys.consume_challenge(
                credential, purpose="add", nonce=session_nonce(request)
            )
            if row["account"] != account["id"]:
                raise CeremonyError("expired")
            new = passkeys.verify_new_passkey(request.app.state.settings, credential, row)
            await actions.add_passkey(
                account["id"], new, label=passkey_label(request), ip=client_ip(request)
            )
        except (CeremonyError, ActionRefused) as exc:
            return refused(exc.reason)
        return Response({"redirect": "/account?added=1"})

    @post("/passkeys/{passkey_id:int}/delete", status_code=200)
    async def remove(
        self, request: Request[Any, Any, Any], passkey_id: FromPath[int]
    ) -> Response[str]:
        try:
            await actions.remove_passkey(
                request.state.account["id"], passkey_id, ip=client_ip(request)
            )
        except ActionRefused as exc:
            return await self._page(request, error=refusal(exc.reason))
        return await self._page(request, notice=_("パスキーを削除しました。"))

    @post("/signout-everywhere", status_code=200)
    async def signout_everywhere(self, request: Request[Any, Any, Any]) -> Redirect:
        await actions.sign_out_everywhere(request.state.account["id"], ip=client_ip(request))
        sign_out(request)
        return Redirect("/signin?everywhere=1")


class Recover(Controller):
    # Personal records: never kept by a browser or the service worker.
    cache_control = NO_STORE
    path = "/recover"

    @get("/", name="recover")
    async def page(self, request: Request[Any, Any, Any]) -> Response[str]:
        return render(
            request, "identity/recover.html", {"code_ok": False, "error": ""}, block="step"
        )

    @post("/", status_code=200)
    async def check(self, request: Request[Any, Any, Any], data: FormData) -> Response[str]:
        secret = request.app.state.secret
        code = await actions.find_recovery_code(secret, data.get("code", ""))
        if code is None:
            return render(
                request,
                "identity/recover.html",
                {"code_ok": False, "error": refusal("code_used")},
                block="step",
                status_code=400,
            )
        request.set_session({**(request.session or {}), "recovery_code": code["id"]})
        session_nonce(request)
        return render(
            request, "identity/recover.html", {"code_ok": True, "error": ""}, block="step"
        )

    @post("/options", status_code=200)
    async def options(self, request: Request[Any, Any, Any]) -> Response[Any]:
        code_id = request.session.get("recovery_code") if request.session else None
        row = await queries.live_recovery_code(code_id) if code_id else None
        if row is None:
            return refused("code_used")
        account = await queries.account(row["account"])
        options = await passkeys.registration_options(
            request.app.state.settings,
            purpose="recover",
            nonce=session_nonce(request),
            user_name=account["name"],
            user_handle=account["webauthn_user_id"],
            account=account["id"],
            payload={"code": row["id"]},
        )
        return Response({"options": options})

    @post("/finish", status_code=200)
    async def finish(self, request: Request[Any, Any, Any], data: JSONData) -> Response[Any]:
        try:
            credential = _credential(data)
            row = await passkeys.consume_challenge(
                credential, purpose="recover", nonce=session_nonce(request)
            )
            new = passkeys.verify_new_passkey(request.app.state.settings, credential, row)
            account = await actions.recover_with_code(
                row["payload"]["code"], new, label=passkey_label(request), ip=client_ip(request)
            )
        except (CeremonyError, ActionRefused) as exc:
            return refused(exc.reason)
        sign_in(request, account)
        return Response({"redirect": "/account?recovered=1"})


def router(auth_rate_limit: int) -> Router:
    """Identity routes; the ones a stranger can hammer sit behind a rate limit."""
    limited = Router(
        path="/",
        route_handlers=[SignUp, SignIn, Recover],
        middleware=[
            RateLimitConfig(rate_limit=("minute", auth_rate_limit), store="rate_limit").middleware
        ],
    )
    return Router(path="/", route_handlers=[limited, signout, AccountPage])
