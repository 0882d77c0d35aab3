"""Unique indexes over several columns (SQLite cannot ALTER TABLE ADD CONSTRAINT); the upserts
of ``shell.platform_api.actions`` need them. A migration of its own because Piccolo runs a
migration's raw statements before it creates that migration's tables."""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-11-29T04:38:39:000000"
VERSION = "1.38.0"
DESCRIPTION = "unique indexes for storage entries and KPI counters"

INDEXES = {
    "platform_api_storage_entry_slot": "platform_api_storage_entry (app_id, account, key)",
    "platform_api_kpi_count_slot": "platform_api_kpi_count (app_id, name, day)",
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
    manager = MigrationManager(migration_id=ID, app_name="platform_api", description=DESCRIPTION)
    manager.add_raw(create_indexes)
    manager.add_raw_backwards(drop_indexes)
    return manager
