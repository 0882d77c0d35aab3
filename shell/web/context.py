"""What every template can see: the request, the signed-in account, roles, CSRF and CSP nonce,
and what the layout shows on every page."""

from __future__ import annotations

from typing import Any

from litestar import Request
from litestar.utils.scope.state import ScopeState

from shell.web import display, i18n
from shell.web.security import csp_nonce


def base_context(request: Request[Any, Any, Any]) -> dict[str, Any]:
    state = request.state
    settings = request.app.state.settings
    return {
        "request": request,
        "settings": settings,
        "account": state.get("account"),
        "roles": state.get("roles", frozenset()),
        "csrf_token": ScopeState.from_scope(request.scope).csrf_token or "",
        "csp_nonce": csp_nonce(request.scope),
        "locale": i18n.get_locale(),
        "language": i18n.current_language(),
        "display": display.for_request(request),
        "current_path": request.url.path,
        "unread": state.get("unread", 0),
        "disaster_mode": state.get("disaster"),  # the layout's banner (shell/disaster/state.py)
        "js_messages": i18n.js_messages_json(),
    }
