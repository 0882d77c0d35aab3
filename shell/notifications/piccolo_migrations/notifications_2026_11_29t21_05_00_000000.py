"""The menu's unread count, read on every full page, from the unread copies alone: with only
``(account, id)`` it visited every copy a resident ever received (a thousand after a few years
of town news), to find the few unread ones."""

from shell.db import index_migration

ID = "2026-11-29T21:05:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "unread inbox index"

forwards = index_migration(
    "notifications",
    ID,
    DESCRIPTION,
    {"notifications_inbox_item_unread": "notifications_inbox_item (account, read_at)"},
)
