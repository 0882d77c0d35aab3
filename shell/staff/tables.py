"""Staff roles held by accounts."""

from piccolo.columns import ForeignKey, OnDelete, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from shell.identity.tables import Account


class StaffRole(Table, tablename="staff_role"):
    account = ForeignKey(Account, on_delete=OnDelete.cascade)  # type: ignore[arg-type]
    role = Varchar(length=32, index=True)
    granted_by = ForeignKey(Account, null=True, on_delete=OnDelete.set_null)  # type: ignore[arg-type]
    granted_at = Timestamptz(default=TimestamptzNow())
