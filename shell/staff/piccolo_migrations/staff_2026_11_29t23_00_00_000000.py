"""Every page a signed-in resident opens reads their staff roles (none, for almost everyone):
by account, not by scanning every role granted in the municipality."""

from shell.db import index_migration

ID = "2026-11-29T23:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "staff role by account"

forwards = index_migration(
    "staff",
    ID,
    DESCRIPTION,
    {
        "staff_role_account": "staff_role (account)",
    },
)
