"""A push batch reads the devices of a thousand recipients at once, and the account page counts a
resident's devices: by account, not by scanning every device in the municipality per batch."""

from shell.db import index_migration

ID = "2026-11-29T23:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "push subscription by account"

forwards = index_migration(
    "notifications",
    ID,
    DESCRIPTION,
    {
        "notifications_push_subscription_account": "notifications_push_subscription (account)",
    },
)
