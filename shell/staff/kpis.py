"""The KPIs the towns report (seeds): registrations, app openings and active residents per day,
notifications, and every KPI a mini-app declares, as charts with their numbers beside them."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass
from typing import Any

from litestar import Controller, Request, Response, get
from litestar.params import FromQuery

from shell.identity.tables import Account
from shell.miniapp_host.tables import ActiveResident, UsageDay
from shell.notifications.tables import Message, PushSubscription
from shell.platform_api.tables import KpiCount
from shell.staff.permissions import requires
from shell.web.i18n import TOKYO, lazy
from shell.web.security import NO_STORE
from shell.web.templates import render

PERIODS = (7, 30, 90)


@dataclass(frozen=True)
class Series:
    label: str
    points: list[tuple[dt.date, int]]

    @property
    def total(self) -> int:
        return sum(value for _, value in self.points)

    @property
    def peak(self) -> int:
        return max((value for _, value in self.points), default=0)


def _days(until: dt.date, count: int) -> list[dt.date]:
    return [until - dt.timedelta(days=offset) for offset in range(count - 1, -1, -1)]


def _series(label: str, days: list[dt.date], counts: Counter[dt.date] | dict[Any, int]) -> Series:
    return Series(label, [(day, int(counts.get(day, 0))) for day in days])


async def _by_day(column: Any, since: dt.datetime, *where: Any) -> Counter[dt.date]:
    query = column._meta.table.select(column).where(column >= since)
    for condition in where:
        query = query.where(condition)
    return Counter(row[column._meta.name].astimezone(TOKYO).date() for row in await query)


async def shell_series(days: list[dt.date]) -> list[Series]:
    since = dt.datetime.combine(days[0], dt.time(), tzinfo=TOKYO)
    return [
        _series(lazy("新しく登録した住民"), days, await _by_day(Account.created_at, since)),
        _series(
            lazy("市が送ったお知らせ"),
            days,
            await _by_day(Message.sent_at, since, Message.kind == "staff"),
        ),
    ]


async def app_series(app_ids: list[str], days: list[dt.date]) -> dict[str, list[Series]]:
    found: dict[str, list[Series]] = {}
    first = days[0]
    usage = await UsageDay.select().where(UsageDay.day >= first)
    active = await ActiveResident.select(ActiveResident.app_id, ActiveResident.day).where(
        ActiveResident.day >= first
    )
    kpis = await KpiCount.select().where(KpiCount.day >= first)
    for app_id in app_ids:
        launches = {row["day"]: row["launches"] for row in usage if row["app_id"] == app_id}
        residents = Counter(row["day"] for row in active if row["app_id"] == app_id)
        series = [
            _series(lazy("開いた回数"), days, launches),
            _series(lazy("使った住民の数"), days, residents),
        ]
        names = sorted({row["name"] for row in kpis if row["app_id"] == app_id})
        for name in names:
            counts = {
                row["day"]: row["total"]
                for row in kpis
                if row["app_id"] == app_id and row["name"] == name
            }
            series.append(_series(name, days, counts))
        found[app_id] = series
    return found


class KpiDashboard(Controller):
    path = "/staff/kpis"
    cache_control = NO_STORE
    guards = [requires("kpis.read")]  # noqa: RUF012

    @get("/", name="staff_kpis")
    async def dashboard(
        self, request: Request[Any, Any, Any], days: FromQuery[int] = 30
    ) -> Response[str]:
        days = days if days in PERIODS else 30
        today = dt.datetime.now(TOKYO).date()
        span = _days(today, days)
        apps = await request.app.state.miniapps.aall()
        return render(
            request,
            "staff/kpis.html",
            {
                "days": days,
                "periods": PERIODS,
                "shell_series": await shell_series(span),
                "apps": apps,
                "app_series": await app_series([app.id for app in apps], span),
                "push_residents": len(
                    {
                        row["account"]
                        for row in await PushSubscription.select(PushSubscription.account)
                    }
                ),
                "residents": await Account.count(),
            },
        )
