"""Every wallet page lists the shops the resident works at: their memberships by account, not a
scan of every shop's staff."""

from shell.db import index_migration

ID = "2026-11-30T17:20:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "merchant membership by account"

forwards = index_migration(
    "wallet",
    ID,
    DESCRIPTION,
    {
        "wallet_merchant_member_account": "wallet_merchant_member (account)",
    },
)
