"""Server-side sessions whose id changes at sign-in.

Litestar's server-side backend keeps whatever id the browser's cookie carries, so a session id
planted before sign-in (session fixation) would become a signed-in session. Here, signing in marks
the request, and the session is then stored under a fresh id and the old one deleted.
"""

from __future__ import annotations

import time
from typing import Any

from litestar.connection import ASGIConnection
from litestar.datastructures import Cookie
from litestar.middleware.session.server_side import (
    ServerSideSessionBackend,
    ServerSideSessionConfig,
)
from litestar.types import Message, ScopeSession
from litestar.utils.dataclass import extract_dataclass_items

ROTATE = "machi_rotate_session"
NEW_ID = "machi_new_session_id"
LOADED = "machi_loaded_session"
# A session read and left unchanged is written back (its expiry pushed on) at most this often,
# not on every page view: a page view would otherwise cost a database write.
TOUCHED = "touched"
TOUCH_EVERY_SECONDS = 3600
COOKIE_HEADERS_KEPT = 10_000  # renewal headers of the sessions seen lately, per process


def rotate_session_id(scope: Any) -> None:
    """Ask for a fresh session id when this response stores the session."""
    scope.setdefault("state", {})[ROTATE] = True


class RotatingSessionBackend(ServerSideSessionBackend):
    def __init__(self, config: ServerSideSessionConfig) -> None:
        super().__init__(config)
        self._cookie_headers: dict[str, tuple[bytes, bytes]] = {}

    def _cookie_header(self, session_id: str) -> tuple[bytes, bytes]:
        """The ``Set-Cookie`` header renewing ``session_id``, encoded (the same for every page the
        session views: made once, not with a dataclass copy and a ``SimpleCookie`` on every
        response)."""
        made = self._cookie_headers
        header = made.get(session_id)
        if header is None:
            params = dict(
                extract_dataclass_items(
                    self.config, exclude_none=True, include=Cookie.__dict__.keys()
                )
            )
            value = Cookie(value=session_id, key=self.config.key, **params).to_header(header="")
            header = (b"set-cookie", value.encode("latin-1"))
            if len(made) >= COOKIE_HEADERS_KEPT:
                made.clear()
            made[session_id] = header
        return header

    def get_session_id(self, connection: ASGIConnection[Any, Any, Any, Any]) -> str:
        state = connection.scope.setdefault("state", {})  # type: ignore[typeddict-item]
        if state.get(ROTATE):
            if not state.get(NEW_ID):
                state[NEW_ID] = self.generate_session_id()
            return str(state[NEW_ID])
        return super().get_session_id(connection)

    async def load_from_connection(
        self, connection: ASGIConnection[Any, Any, Any, Any]
    ) -> dict[str, Any]:
        data = await super().load_from_connection(connection)
        connection.scope.setdefault("state", {})[LOADED] = dict(data)  # type: ignore[typeddict-item]
        return data

    async def store_in_message(
        self,
        scope_session: ScopeSession,
        message: Message,
        connection: ASGIConnection[Any, Any, Any, Any],
    ) -> None:
        state = connection.scope.get("state", {})
        old = connection.cookies.get(self.config.key)
        if state.get(ROTATE) and old and old != "null":
            await self.delete(old, store=self.config.get_store_from_app(connection.scope["app"]))
        if isinstance(scope_session, dict) and scope_session:
            now = int(time.time())
            touched = scope_session.get(TOUCHED)
            unchanged = not state.get(ROTATE) and state.get(LOADED) == scope_session
            if unchanged and isinstance(touched, int) and 0 <= now - touched < TOUCH_EVERY_SECONDS:
                # added to the start message's encoded pairs as they are
                headers = message.get("headers")
                if not isinstance(headers, list):
                    headers = message["headers"] = list(headers or ())  # type: ignore[typeddict-unknown-key]
                headers.append(self._cookie_header(self.get_session_id(connection)))
                return
            scope_session[TOUCHED] = now
        await super().store_in_message(scope_session, message, connection)


class SessionConfig(ServerSideSessionConfig):
    """``ServerSideSessionConfig`` with ids rotated at sign-in."""

    _backend_class = RotatingSessionBackend
