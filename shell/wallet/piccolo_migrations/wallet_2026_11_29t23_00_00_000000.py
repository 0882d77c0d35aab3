"""The home card and every payment read the resident's cash and points accounts: by owner, not
through the index of the account kind, which holds every resident's cash account."""

from shell.db import index_migration

ID = "2026-11-29T23:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "ledger account by owner"

forwards = index_migration(
    "wallet",
    ID,
    DESCRIPTION,
    {
        "wallet_account_owner": "wallet_account (owner, kind)",
    },
)
