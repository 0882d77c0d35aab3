"""The wallet's card on the home screen: the balance and the way to pay."""

from __future__ import annotations

from typing import Any

from litestar import Request

from shell.wallet import queries
from shell.web.home import home_section


@home_section("wallet/_home.html", order=5)
async def wallet_card(request: Request[Any, Any, Any]) -> dict[str, Any] | None:
    account = request.state.get("account")
    if not account:
        return None
    balances = await queries.balances(account["id"])
    return {"balances": balances}
