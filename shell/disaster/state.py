"""Disaster mode for every page: the layout's banner reads ``request.state.disaster``."""

from __future__ import annotations

from litestar.types import ASGIApp, Receive, Scope, Send

from shell.disaster import queries
from shell.disaster.tables import ModeChange
from shell.identity.session import AccountFact, read_with_account

# No page, so no banner: assets, the event stream, APIs, health, push receipts.
SKIP = (
    "/static/",
    "/live/",
    "/api/",
    "/healthz",
    "/sw.js",
    "/manifest.webmanifest",
    "/.well-known/",
    "/notifications/receipts/",
)


# Whether the municipality's latest change switched disaster mode on (NULL: never changed),
# read with a signed-in resident's account: mostly it is off, and then that is all it costs.
DISASTER_ON = "disaster_on"
read_with_account(
    AccountFact(
        DISASTER_ON,
        f"SELECT c.active FROM {ModeChange._meta.tablename} c "  # noqa: S608  (our names)
        "WHERE c.municipality_code = {} ORDER BY c.id DESC LIMIT 1",
        value=lambda request: request.app.state.settings.municipality_code,
    )
)


def middleware(app: ASGIApp) -> ASGIApp:
    """Load the current disaster mode for the layout's banner: every page, including one a
    form post answers with. Signed in, the account's read said whether it is on, and the
    change is read only if it is; signed out, it is one indexed read."""

    async def run(scope: Scope, receive: Receive, send: Send) -> None:
        # the scope's own path and state dict (what request.state wraps): no request object
        if scope["type"] == "http" and not scope["path"].startswith(SKIP):
            state = scope.setdefault("state", {})  # type: ignore[typeddict-item]
            if DISASTER_ON in state and not state[DISASTER_ON]:
                state["disaster"] = None
            else:
                code = scope["app"].state.settings.municipality_code
                state["disaster"] = await queries.mode(code)
        await app(scope, receive, send)

    return run
