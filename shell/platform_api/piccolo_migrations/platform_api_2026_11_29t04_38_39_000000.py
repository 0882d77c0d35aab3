"""Unique indexes for storage entries and KPI counters; the upserts of
``shell.platform_api.actions`` need them (see ``shell.db.index_migration``)."""

from shell.db import index_migration

ID = "2026-11-29T04:38:39:000000"
VERSION = "1.38.0"
DESCRIPTION = "unique indexes for storage entries and KPI counters"

forwards = index_migration(
    "platform_api",
    ID,
    DESCRIPTION,
    {
        "platform_api_storage_entry_slot": "UNIQUE platform_api_storage_entry (app_id, account, key)",
        "platform_api_kpi_count_slot": "UNIQUE platform_api_kpi_count (app_id, name, day)",
    },
)
