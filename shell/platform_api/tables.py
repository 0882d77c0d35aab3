"""The Platform API's state: apps' client credentials, residents' per-app storage, KPI counters.

``StorageEntry`` and ``KpiCount`` are unique on several columns through unique indexes that the
migration creates with plain SQL: Piccolo's ``Unique`` constraint is added with ``ALTER TABLE ADD
CONSTRAINT``, which SQLite does not have. The upserts in ``actions.py`` rely on these indexes.
"""

from piccolo.columns import JSONB, BigInt, Date, ForeignKey, OnDelete, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from shell.identity.tables import Account


class Credential(Table, tablename="platform_api_credential"):
    """An app's client credentials. Only an HMAC of the secret is kept; revoked rows stay."""

    app_id = Varchar(length=64, index=True)
    client_id = Varchar(length=64, unique=True)
    secret_hash = Varchar(length=64, secret=True)
    created_at = Timestamptz(default=TimestamptzNow())
    revoked_at = Timestamptz(null=True, default=None)


class StorageEntry(Table, tablename="platform_api_storage_entry"):
    """One JSON value an app keeps for one resident. Goes when the account goes."""

    account = ForeignKey(Account, on_delete=OnDelete.cascade)  # type: ignore[arg-type]
    app_id = Varchar(length=64)
    key = Varchar(length=64)
    value = JSONB(default={})  # {"value": <the app's JSON value>}
    updated_at = Timestamptz(default=TimestamptzNow())


class KpiCount(Table, tablename="platform_api_kpi_count"):
    """An app's KPI counter for one day (Asia/Tokyo)."""

    app_id = Varchar(length=64)
    name = Varchar(length=64)
    day = Date()
    total = BigInt(default=0)
