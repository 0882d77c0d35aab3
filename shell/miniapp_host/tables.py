"""The mini-app host's state: the city's token-signing keys and residents' grants to apps."""

from piccolo.columns import JSONB, BigInt, Bytea, Date, ForeignKey, OnDelete, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from shell.identity.tables import Account


class SigningKey(Table, tablename="miniapp_host_signing_key"):
    """An Ed25519 key that signs launch tokens. Retired keys stay published for a while."""

    kid = Varchar(length=64, unique=True)
    private_key = Bytea(secret=True)  # the 32-byte seed; never leaves the server
    created_at = Timestamptz(default=TimestamptzNow())
    retired_at = Timestamptz(null=True, default=None)


class Grant(Table, tablename="miniapp_host_grant"):
    """What a resident allowed one mini-app to know and do. Revoked grants are kept, marked."""

    account = ForeignKey(Account, on_delete=OnDelete.cascade)  # type: ignore[arg-type]
    app_id = Varchar(length=64, index=True)
    # The resident's pairwise id in this app (the tokens' ``sub``): how a Platform API call made
    # with a launch token finds the grant, so that revoking stops calls at once.
    subject = Varchar(length=64, default="", index=True)
    scopes = JSONB(default=[])
    granted_at = Timestamptz(default=TimestamptzNow())
    revoked_at = Timestamptz(null=True, default=None)


class UsageDay(Table, tablename="miniapp_host_usage_day"):
    """How often an app was opened on one day (Asia/Tokyo): the KPI every town reports."""

    app_id = Varchar(length=64)
    day = Date()
    launches = BigInt(default=0)


class ActiveResident(Table, tablename="miniapp_host_active_resident"):
    """That a resident opened an app on a day, by their pairwise id in that app only: enough to
    count active residents, nothing about what they did. Kept 400 days."""

    app_id = Varchar(length=64)
    day = Date()
    subject = Varchar(length=64)
