"""Indexes of the notifications area: one inbox copy per (message, resident), one mute per
topic, the inbox read newest first, due scheduled messages (see ``shell.db.index_migration``)."""

from shell.db import index_migration

ID = "2026-11-29T05:54:56:000000"
VERSION = "1.38.0"
DESCRIPTION = "notification indexes"

forwards = index_migration(
    "notifications",
    ID,
    DESCRIPTION,
    {
        "notifications_inbox_item_once": "UNIQUE notifications_inbox_item (message, account)",
        "notifications_inbox_item_by_account": "notifications_inbox_item (account, id)",
        "notifications_muted_topic_once": "UNIQUE notifications_muted_topic (account, topic)",
        "notifications_message_due": "notifications_message (status, scheduled_at)",
    },
)
