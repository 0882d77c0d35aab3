"""Unique indexes for the usage counters; the upserts of
``shell.miniapp_host.actions.record_launch`` need them (see ``shell.db.index_migration``)."""

from shell.db import index_migration

ID = "2026-11-29T06:14:12:000000"
VERSION = "1.38.0"
DESCRIPTION = "unique indexes for daily usage"

forwards = index_migration(
    "miniapp_host",
    ID,
    DESCRIPTION,
    {
        "miniapp_host_usage_day_slot": "UNIQUE miniapp_host_usage_day (app_id, day)",
        "miniapp_host_active_resident_once": (
            "UNIQUE miniapp_host_active_resident (app_id, day, subject)"
        ),
    },
)
