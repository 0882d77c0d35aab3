"""Server-side sessions whose id changes at sign-in.

Litestar's server-side backend keeps whatever id the browser's cookie carries, so a session id
planted before sign-in (session fixation) would become a signed-in session. Here, signing in marks
the request, and the session is then stored under a fresh id and the old one deleted.
"""

from __future__ import annotations

from typing import Any

from litestar.connection import ASGIConnection
from litestar.middleware.session.server_side import (
    ServerSideSessionBackend,
    ServerSideSessionConfig,
)
from litestar.types import Message, ScopeSession

ROTATE = "machi_rotate_session"
NEW_ID = "machi_new_session_id"


def rotate_session_id(scope: Any) -> None:
    """Ask for a fresh session id when this response stores the session."""
    scope.setdefault("state", {})[ROTATE] = True


class RotatingSessionBackend(ServerSideSessionBackend):
    def get_session_id(self, connection: ASGIConnection[Any, Any, Any, Any]) -> str:
        state = connection.scope.setdefault("state", {})  # type: ignore[typeddict-item]
        if state.get(ROTATE):
            if not state.get(NEW_ID):
                state[NEW_ID] = self.generate_session_id()
            return str(state[NEW_ID])
        return super().get_session_id(connection)

    async def store_in_message(
        self,
        scope_session: ScopeSession,
        message: Message,
        connection: ASGIConnection[Any, Any, Any, Any],
    ) -> None:
        old = connection.cookies.get(self.config.key)
        if connection.scope.get("state", {}).get(ROTATE) and old and old != "null":
            await self.delete(old, store=self.config.get_store_from_app(connection.scope["app"]))
        await super().store_in_message(scope_session, message, connection)


class SessionConfig(ServerSideSessionConfig):
    """``ServerSideSessionConfig`` with ids rotated at sign-in."""

    _backend_class = RotatingSessionBackend
