"""The stamp card's pages: the card, a stamp from the shop's QR, and the reward.

Messages are codes here; the template says them in the resident's language.
"""

from __future__ import annotations

import contextlib
from typing import Any

from litestar import Request, Response, get, post
from machi_sdk import PlatformDep, PlatformError, ResidentDep, render, requires_scopes

from .card import Card, Refused, Rules, redeem, stamp, today

RULES = Rules.from_env()
KEY = "card"


async def _card(resident: Any, platform: Any) -> Card:
    return Card.from_storage(await platform.storage_get(resident, KEY))


def _page(request: Request, card: Card, *, block: str | None = "content", **extra: Any) -> Any:
    context = {
        "card": card,
        "size": RULES.size,
        "full": card.stamps >= RULES.size,
        "error": "",
        "notice": "",
    }
    return render(request, "stamp-card/index.html", {**context, **extra}, block=block)


@get("/", name="stamp-card:index", guards=[requires_scopes("storage")])
async def index(request: Request, resident: ResidentDep, platform: PlatformDep) -> Response[str]:
    """The resident's card."""
    return _page(request, await _card(resident, platform))


@post("/stamps", name="stamp-card:stamp", guards=[requires_scopes("storage")], status_code=200)
async def add_stamp(
    request: Request, resident: ResidentDep, platform: PlatformDep
) -> Response[str]:
    """A stamp for the text the shell read from the shop's QR code."""
    form = await request.form()
    card = await _card(resident, platform)
    try:
        card = stamp(card, RULES, str(form.get("code", "")), today())
    except Refused as refused:
        return _page(request, card, block="card", error=refused.reason)
    await platform.storage_set(resident, KEY, card.to_storage())
    await platform.kpi("stamps")
    if card.stamps >= RULES.size and resident.has("notify"):
        # The card is full either way; the notification is a courtesy that may be refused.
        with contextlib.suppress(PlatformError):
            await platform.notify(
                resident,
                "スタンプがたまりました",
                "特典と交換できます。お店でこのカードを見せてください。",
                "/",
            )
    return _page(request, card, block="card", notice="stamped")


@post("/rewards", name="stamp-card:redeem", guards=[requires_scopes("storage")], status_code=200)
async def use_reward(
    request: Request, resident: ResidentDep, platform: PlatformDep
) -> Response[str]:
    """Trade a full card for the reward; the card starts again."""
    card = await _card(resident, platform)
    try:
        card = redeem(card, RULES)
    except Refused as refused:
        return _page(request, card, block="card", error=refused.reason)
    await platform.storage_set(resident, KEY, card.to_storage())
    await platform.kpi("rewards")
    return _page(request, card, block="card", notice="redeemed")


ROUTES = [index, add_stamp, use_reward]
