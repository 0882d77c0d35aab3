"""Unique indexes for the usage counters (SQLite cannot ALTER TABLE ADD CONSTRAINT); the upserts
of ``shell.miniapp_host.actions.record_launch`` need them."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-11-29T06:14:12:000000"
VERSION = "1.38.0"
DESCRIPTION = "unique indexes for daily usage"

INDEXES = {
    "miniapp_host_usage_day_slot": "miniapp_host_usage_day (app_id, day)",
    "miniapp_host_active_resident_once": "miniapp_host_active_resident (app_id, day, subject)",
}


async def create_indexes() -> None:
    engine = engine_finder()
    assert engine is not None
    for name, target in INDEXES.items():
        await engine.run_ddl(f"CREATE UNIQUE INDEX {name} ON {target}")


async def drop_indexes() -> None:
    engine = engine_finder()
    assert engine is not None
    for name in INDEXES:
        await engine.run_ddl(f"DROP INDEX {name}")


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="miniapp_host", description=DESCRIPTION)
    manager.add_raw(create_indexes)
    manager.add_raw_backwards(drop_indexes)
    return manager
