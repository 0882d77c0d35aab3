"""Who may do what in the staff console: one table, tested as a table."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from typing import Any

from litestar.connection import ASGIConnection
from litestar.exceptions import NotAuthorizedException, PermissionDeniedException
from litestar.handlers.base import BaseRouteHandler

from shell.web.i18n import lazy

ROLES: dict[str, str] = {
    "admin": lazy("管理者"),
    "counter": lazy("窓口担当"),
    "notifier": lazy("お知らせ配信担当"),
    "reviewer": lazy("ミニアプリ審査担当"),
    "facility_manager": lazy("施設管理担当"),
    "school_staff": lazy("学校・保育所職員"),
    "merchant_admin": lazy("加盟店管理担当"),
    "finance": lazy("地域通貨・会計担当"),
    "disaster_officer": lazy("防災担当"),
    # the garbage calendar mini-app (miniapps/garbage): schedules, dictionary, large items
    "sanitation": lazy("清掃担当"),
    # the water bill mini-app (miniapps/water): look up an account's screen, import errors
    "waterworks": lazy("水道担当"),
    # the library mini-app (miniapps/library): the counter (check-out, return), holds, lists
    "librarian": lazy("図書館司書"),
    # the applications and reports mini-app (miniapps/apply): residents' reports of roads and parks
    # (applications are handled by 窓口担当, "counter")
    "public_works": lazy("道路・公園担当"),
    # the mother-child handbook mini-app (miniapps/handbook): interview slots, questionnaires,
    # exports for the city's health-management system
    "health_centre": lazy("保健センター職員"),
    # the on-demand bus mini-app (miniapps/bus): the operator's board, phone bookings and
    # settings; the driver's tablet
    "bus_operator": lazy("デマンド交通の運行管理"),
    "bus_driver": lazy("デマンド交通の運転手"),
}

# action -> roles allowed to do it. An admin may do everything listed here.
ABILITIES: dict[str, frozenset[str]] = {
    "console.open": frozenset(ROLES),
    "roles.manage": frozenset({"admin"}),
    "audit.read": frozenset({"admin"}),
    "residents.lookup": frozenset({"admin", "counter"}),
    "recovery.issue": frozenset({"admin", "counter"}),
    "apps.review": frozenset({"admin", "reviewer"}),
    # wallet (issue 5)
    "wallet.merchants": frozenset({"admin", "merchant_admin", "finance"}),
    "wallet.campaigns": frozenset({"admin", "finance"}),
    "wallet.figures": frozenset({"admin", "finance", "merchant_admin"}),
    "notifications.send": frozenset({"admin", "notifier"}),
    "kpis.read": frozenset({"admin", "reviewer", "notifier"}),
    "notifications.approve": frozenset({"admin", "notifier"}),
    # The digital resident ID: verify identity at the counter, revoke a credential.
    "resident_id.verify": frozenset({"admin", "counter"}),
    "resident_id.revoke": frozenset({"admin", "counter"}),
    # Disaster operations: notifiers may switch the mode and start a safety check (both are
    # broadcasts); who answered what is personal, so only disaster officers and admins read it.
    "disaster.operate": frozenset({"admin", "notifier", "disaster_officer"}),
    "disaster.answers": frozenset({"admin", "disaster_officer"}),
}


def can(roles: Iterable[str], action: str) -> bool:
    return bool(ABILITIES.get(action, frozenset()) & set(roles))


def requires(
    action: str,
) -> Callable[[ASGIConnection[Any, Any, Any, Any], BaseRouteHandler], Awaitable[None]]:
    """Guard for a route: the signed-in account holds a role that may do ``action``."""

    # A coroutine: Litestar runs a plain function guard in a worker thread on every request.
    async def guard(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
        if not connection.state.get("account"):
            raise NotAuthorizedException()
        if not can(connection.state.get("roles", ()), action):
            raise PermissionDeniedException()

    return guard
