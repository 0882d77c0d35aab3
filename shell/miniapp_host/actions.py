"""Grant and revoke what a mini-app may know and do; both are audited."""

from __future__ import annotations

import datetime as dt

from shell.audit.actions import record
from shell.miniapp_host.tables import ActiveResident, Grant, UsageDay
from shell.web.i18n import TOKYO as CITY_TIME


async def grant(
    account_id: int, app_id: str, scopes: list[str], *, subject: str, ip: str = ""
) -> None:
    """Allow ``scopes`` (added to what was already allowed). ``subject`` is the resident's
    pairwise id for the app, kept so that a Platform API call made with their launch token finds
    the grant (and stops once it is revoked)."""
    async with Grant._meta.db.transaction():
        current = (
            await Grant.select()
            .where(
                (Grant.account == account_id)
                & (Grant.app_id == app_id)
                & Grant.revoked_at.is_null()
            )
            .output(load_json=True)
            .first()
        )
        if current:
            merged = sorted(set(current["scopes"]) | set(scopes))
            await Grant.update({Grant.scopes: merged, Grant.subject: subject}).where(
                Grant.id == current["id"]
            )
        else:
            merged = sorted(set(scopes))
            await Grant.insert(
                Grant(account=account_id, app_id=app_id, scopes=merged, subject=subject)
            )
        await record("miniapp.granted", actor=account_id, subject=f"miniapp:{app_id}",
                     detail={"scopes": merged}, ip=ip)  # fmt: skip


async def revoke(account_id: int, app_id: str, *, ip: str = "") -> bool:
    async with Grant._meta.db.transaction():
        gone = (
            await Grant.update({Grant.revoked_at: dt.datetime.now(dt.UTC)})
            .where(
                (Grant.account == account_id)
                & (Grant.app_id == app_id)
                & Grant.revoked_at.is_null()
            )
            .returning(Grant.id)
        )
        if gone:
            await record("miniapp.revoked", actor=account_id, subject=f"miniapp:{app_id}", ip=ip)
    return bool(gone)


async def record_launch(app_id: str, subject: str, day: dt.date | None = None) -> None:
    """Count one opening of ``app_id`` and that this resident (by pairwise id) was active today."""
    day = day or dt.datetime.now(CITY_TIME).date()
    async with UsageDay._meta.db.transaction():
        await UsageDay.insert(UsageDay(app_id=app_id, day=day, launches=0)).on_conflict(
            target=(UsageDay.app_id, UsageDay.day), action="DO NOTHING"
        )
        await UsageDay.update({UsageDay.launches: UsageDay.launches + 1}).where(
            (UsageDay.app_id == app_id) & (UsageDay.day == day)
        )
        await ActiveResident.insert(
            ActiveResident(app_id=app_id, day=day, subject=subject)
        ).on_conflict(
            target=(ActiveResident.app_id, ActiveResident.day, ActiveResident.subject),
            action="DO NOTHING",
        )


async def forget_old_activity(keep_days: int = 400) -> None:
    """Activity older than ``keep_days`` goes (the counts of launches stay)."""
    cutoff = dt.datetime.now(CITY_TIME).date() - dt.timedelta(days=keep_days)
    await ActiveResident.delete().where(ActiveResident.day < cutoff)
