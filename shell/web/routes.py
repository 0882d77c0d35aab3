"""Home, the language switcher and the health check."""

from __future__ import annotations

from typing import Any

from litestar import Request, Response, get, post
from litestar.params import FromQuery, URLEncodedBody
from litestar.response import Redirect

from shell import __version__
from shell.disaster.home import disaster_home
from shell.identity.actions import update_language
from shell.identity.tables import Account
from shell.web import display, i18n
from shell.web.home import home_sections
from shell.web.templates import render
from shell.web.urls import safe_next

FormData = URLEncodedBody[dict[str, str]]


@get("/", name="home")
async def home(request: Request[Any, Any, Any]) -> Response[str]:
    if not request.state.get("account"):
        return render(request, "web/welcome.html")
    if (disaster := await disaster_home(request)) is not None:  # disaster mode swaps the home
        return disaster
    sections = await home_sections(request)
    return render(request, "web/home.html", {"sections": sections})


@get("/language", name="language")
async def language_page(
    request: Request[Any, Any, Any], next: FromQuery[str] = "/"
) -> Response[str]:
    return render(request, "web/language.html", _language_context(safe_next(next)))


def _language_context(target: str, error: str = "") -> dict[str, Any]:
    return {
        "next": target,
        "error": error,
        "text_sizes": display.TEXT_SIZES,
        "contrasts": display.CONTRASTS,
    }


@post("/language", status_code=200)
async def choose_language(request: Request[Any, Any, Any], data: FormData) -> Response[Any]:
    code = data.get("language", "")
    target = safe_next(data.get("next", "/"))
    if code not in i18n.LANGUAGES:
        return render(
            request,
            "web/language.html",
            _language_context(target, i18n._("言語を一覧から選んでください。")),
            status_code=400,
        )
    account = request.state.get("account")
    if account:
        await update_language(account["id"], code)
    response: Response[Any] = Redirect(target)
    response.set_cookie(
        i18n.LANG_COOKIE,
        code,
        max_age=365 * 86400,
        samesite="lax",
        secure=request.app.state.settings.secure_cookies,
        httponly=True,
    )
    return response


@post("/display", status_code=200)
async def choose_display(request: Request[Any, Any, Any], data: FormData) -> Response[Any]:
    """Furigana, text size and contrast: on the account, and in a cookie before signing in."""
    chosen = display.parse(
        data.get("furigana", ""), data.get("text_size", ""), data.get("contrast", "")
    )
    account = request.state.get("account")
    if account:
        await display.save(account["id"], chosen)
    response: Response[Any] = Redirect(safe_next(data.get("next", "/")))
    response.set_cookie(
        display.DISPLAY_COOKIE,
        chosen.cookie(),
        max_age=365 * 86400,
        samesite="lax",
        secure=request.app.state.settings.secure_cookies,
        httponly=True,
    )
    return response


@get("/healthz", name="healthz", skip_session=True, exclude_from_csrf=True, include_in_schema=True)
async def healthz() -> Response[dict[str, str]]:
    try:
        await Account.count()
        database = "ok"
    except Exception as exc:  # any failure to reach the database is what this reports
        database = f"error: {type(exc).__name__}"
    status = "ok" if database == "ok" else "degraded"
    return Response(
        {"status": status, "database": database, "version": __version__},
        status_code=200 if status == "ok" else 503,
        headers={"Cache-Control": "no-store"},
    )
