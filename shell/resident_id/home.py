"""The home screen's resident ID section."""

from __future__ import annotations

import dataclasses
from typing import Any

from litestar import Request

from shell.identity.session import read_with_account
from shell.resident_id.queries import VERIFIED, is_verified
from shell.web.home import home_section

# Read with the account on the home page, the only page that shows it: one statement fewer there.
HOME = "/"
read_with_account(dataclasses.replace(VERIFIED, paths=frozenset({HOME})))


@home_section("resident_id/_home_tile.html", order=5)
async def resident_id_tile(request: Request[Any, Any, Any]) -> dict[str, Any] | None:
    account = request.state.get("account")
    if not account:
        return None
    state = request.state
    # read with the account where the section is shown (HOME); elsewhere, read here
    verified = state[VERIFIED.name] if VERIFIED.name in state else await is_verified(account["id"])
    return {"verified": bool(verified)}
