"""Partner mini-apps registered in the developer portal, and where each stands in review."""

from piccolo.columns import JSONB, ForeignKey, OnDelete, Text, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from shell.identity.tables import Account


class PartnerApp(Table, tablename="developer_app"):
    """One partner app. ``slug`` is the manifest's id and never changes once registered.

    ``status`` is one of draft, submitted, approved, rejected, suspended. ``checks`` holds the
    latest automated checks (a list of ``{"check", "passed", "code", "params"}``).
    """

    slug = Varchar(length=64, unique=True)
    owner = ForeignKey(Account, on_delete=OnDelete.cascade)  # type: ignore[arg-type]
    manifest_text = Text()
    manifest = JSONB(default={})  # the parsed, validated TOML table
    origin = Varchar(length=255)
    webhook_url = Varchar(length=255, default="")
    status = Varchar(length=16, default="draft", index=True)
    reason = Text(default="")  # why it was rejected or suspended, shown to the partner
    checks = JSONB(default=[])
    checked_at = Timestamptz(null=True, default=None)
    created_at = Timestamptz(default=TimestamptzNow())
    updated_at = Timestamptz(default=TimestamptzNow())
    submitted_at = Timestamptz(null=True, default=None)
    reviewed_at = Timestamptz(null=True, default=None)
    reviewed_by = ForeignKey(Account, null=True, on_delete=OnDelete.set_null)  # type: ignore[arg-type]
