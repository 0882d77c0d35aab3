"""Read the Platform API's state: credentials, a resident's stored values, KPI counters."""

from __future__ import annotations

import datetime as dt
from typing import Any

from shell.identity.queries import district_of
from shell.identity.tables import Account
from shell.miniapp_host.registry import HostedApp
from shell.miniapp_host.tokens import granted_claims
from shell.platform_api.tables import Credential, KpiCount, StorageEntry
from shell.resident_id.household import household_for_app
from shell.resident_id.queries import is_verified

MISSING = object()


async def active_credential(client_id: str) -> dict[str, Any] | None:
    return (
        await Credential.select()
        .where((Credential.client_id == client_id) & Credential.revoked_at.is_null())
        .first()
    )


async def credentials_of(app_id: str) -> list[dict[str, Any]]:
    """The app's active credentials (client ids and dates; the secrets are not kept)."""
    return (
        await Credential.select(Credential.client_id, Credential.created_at)
        .where((Credential.app_id == app_id) & Credential.revoked_at.is_null())
        .order_by(Credential.id)
    )


async def profile(
    account_id: int, scopes: frozenset[str], *, app_id: str = "", secret: str = ""
) -> dict[str, Any]:
    """The resident's profile claims as they are now, only those ``scopes`` grant (the household
    id pairwise for ``app_id`` under the city's ``secret``)."""
    account = await Account.select().where(Account.id == account_id).first()
    if account is None:
        return {}
    verified = "resident.verified" in scopes and await is_verified(account_id)
    household = None
    if "resident.household" in scopes:
        if not (secret and app_id):
            raise ValueError("the household id is pairwise: app and secret needed")
        household = await household_for_app(secret, app_id, account_id)
    return granted_claims(
        set(scopes), account, await district_of(account), verified=verified, household=household
    )


async def stored_value(app_id: str, account_id: int, key: str) -> Any:
    """The value stored under ``key``, or :data:`MISSING`."""
    row = (
        await StorageEntry.select(StorageEntry.value)
        .where(
            (StorageEntry.app_id == app_id)
            & (StorageEntry.account == account_id)
            & (StorageEntry.key == key)
        )
        .output(load_json=True)
        .first()
    )
    return MISSING if row is None else row["value"]["value"]  # stored wrapped (actions.py)


async def kpi_counts(app_id: str, day: dt.date) -> dict[str, int]:
    rows = await KpiCount.select(KpiCount.name, KpiCount.total).where(
        (KpiCount.app_id == app_id) & (KpiCount.day == day)
    )
    return {row["name"]: row["total"] for row in rows}


async def declared_kpis(app: HostedApp) -> frozenset[str]:
    """The KPI ids the app's manifest declares (a partner app's from its portal registration)."""
    if app.kpis:
        return frozenset(app.kpis)
    from shell.developer.tables import PartnerApp

    row = (
        await PartnerApp.select(PartnerApp.manifest)
        .where(PartnerApp.slug == app.id)
        .output(load_json=True)
        .first()
    )
    kpis = (row or {}).get("manifest", {}).get("kpis", [])
    return frozenset(str(k.get("id")) for k in kpis if isinstance(k, dict))
