"""The home screen's resident ID section."""

from __future__ import annotations

from typing import Any

from litestar import Request

from shell.identity.session import AccountFact, read_with_account
from shell.resident_id.queries import is_verified
from shell.resident_id.tables import Verification
from shell.web.home import home_section

# Whether the resident holds a standing verification, read with the account on the home page
# (the only page that shows it): one statement fewer there.
VERIFIED = "id_verified"
HOME = "/"
read_with_account(
    AccountFact(
        VERIFIED,
        f"SELECT EXISTS(SELECT 1 FROM {Verification._meta.tablename} v "  # noqa: S608 (our names)
        "WHERE v.account = {account} AND v.revoked_at IS NULL)",
        paths=frozenset({HOME}),
    )
)


@home_section("resident_id/_home_tile.html", order=5)
async def resident_id_tile(request: Request[Any, Any, Any]) -> dict[str, Any] | None:
    account = request.state.get("account")
    if not account:
        return None
    state = request.state
    # read with the account where the section is shown (HOME); elsewhere, read here
    verified = state[VERIFIED] if VERIFIED in state else await is_verified(account["id"])
    return {"verified": bool(verified)}
