"""A resident's passkeys and recovery codes are found by their account: without these indexes,
the account page and a recovery scanned every resident's rows."""

from shell.db import index_migration

ID = "2026-11-29T23:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "resident lookup indexes"

forwards = index_migration(
    "identity",
    ID,
    DESCRIPTION,
    {
        "identity_passkey_account": "identity_passkey (account)",
        "identity_recovery_code_account": "identity_recovery_code (account)",
    },
)
