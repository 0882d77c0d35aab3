"""The mini-app host's state: the city's token-signing keys and residents' grants to apps."""

from piccolo.columns import JSONB, Bytea, ForeignKey, OnDelete, Timestamptz, Varchar
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
