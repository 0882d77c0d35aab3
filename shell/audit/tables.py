"""The audit log: who did what, to which record, when."""

from piccolo.columns import JSONB, ForeignKey, OnDelete, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from shell.identity.tables import Account


class AuditEntry(Table, tablename="audit_entry"):
    at = Timestamptz(default=TimestamptzNow(), index=True)
    actor = ForeignKey(Account, null=True, on_delete=OnDelete.set_null)  # type: ignore[arg-type]
    action = Varchar(length=64, index=True)
    subject = Varchar(length=128, default="", index=True)
    detail = JSONB(default={})
    ip = Varchar(length=64, default="")
