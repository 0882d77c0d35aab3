"""Error pages and JSON errors in the user's language."""

from __future__ import annotations

import logging
from typing import Any

from litestar import Request, Response
from litestar.exceptions import HTTPException, NotAuthorizedException
from litestar.response import Redirect
from litestar.status_codes import HTTP_500_INTERNAL_SERVER_ERROR

from shell.web import i18n
from shell.web.i18n import _
from shell.web.templates import render

log = logging.getLogger("machi")


def _messages(status: int, detail: str) -> tuple[str, str]:
    if "CSRF" in detail:
        return _("もう一度お試しください"), _(
            "フォームの有効期限が切れたか、別の画面から送られました。"
            "ページを再読み込みしてから、もう一度送ってください。"
        )
    table = {
        400: (_("内容を確認してください"), _("送られた内容を読み取れませんでした。")),
        401: (_("サインインしてください"), _("このページを見るにはサインインが必要です。")),
        403: (_("このページは使えません"), _("このページを使う権限がありません。")),
        404: (_("ページが見つかりません"), _("お探しのページは見つかりませんでした。")),
        405: (_("このページは使えません"), _("この方法ではこのページを使えません。")),
        429: (
            _("しばらくお待ちください"),
            _(
                "短い時間に何度も試されたため、一時的に止めています。1分ほど待ってからお試しください。"
            ),
        ),
    }
    return table.get(
        status,
        (
            _("問題が起きました"),
            _("申し訳ありません。問題が起きました。しばらくしてから、もう一度お試しください。"),
        ),
    )


def _wants_json(request: Request[Any, Any, Any]) -> bool:
    accept = request.headers.get("accept", "")
    return "application/json" in accept and "text/html" not in accept


def _ensure_locale(request: Request[Any, Any, Any]) -> None:
    if "locale" not in request.state:
        account = request.state.get("account")
        code = i18n.negotiate(
            account["language"] if account else None,
            request.cookies.get(i18n.LANG_COOKIE),
            request.headers.get("accept-language", ""),
        )
        i18n.set_locale(code)


def handle_exception(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    _ensure_locale(request)
    if isinstance(exc, HTTPException):
        status, detail = exc.status_code, str(exc.detail or "")
    else:
        log.exception("unhandled error on %s", request.url.path, exc_info=exc)
        status, detail = HTTP_500_INTERNAL_SERVER_ERROR, ""
    if (
        isinstance(exc, NotAuthorizedException)
        and request.method == "GET"
        and not _wants_json(request)
    ):
        return Redirect(f"/signin?next={request.url.path}")
    title, message = _messages(status, detail)
    headers = dict(getattr(exc, "headers", None) or {})
    if _wants_json(request) or request.headers.get("content-type", "").startswith(
        "application/json"
    ):
        return Response({"error": message}, status_code=status, headers=headers)
    try:
        return render(
            request,
            "web/error.html",
            {"title": title, "message": message},
            status_code=status,
            headers=headers,
        )
    except Exception:  # the error page itself failed: answer plainly rather than not at all
        log.exception("error page failed")
        return Response(message, status_code=status, media_type="text/plain")
