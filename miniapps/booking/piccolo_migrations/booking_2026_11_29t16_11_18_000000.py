"""One lottery entry per household: a unique index on (lottery, household) of ``booking_entry``.

Raw SQL valid on SQLite and PostgreSQL (SQLite cannot add a UNIQUE constraint to an existing
table). NULL households (entries made before households existed) never collide. A migration of
its own: Piccolo runs a migration's raw statements before its column changes.
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-11-29T16:11:18:000000"
VERSION = "1.38.0"
DESCRIPTION = "unique index on booking_entry (lottery, household)"


async def forwards() -> MigrationManager:
    manager = MigrationManager(migration_id=ID, app_name="booking", description=DESCRIPTION)

    async def create_index() -> None:
        engine = engine_finder()
        assert engine is not None
        await engine.run_ddl(
            "CREATE UNIQUE INDEX IF NOT EXISTS booking_entry_household "
            "ON booking_entry (lottery, household)"
        )

    async def drop_index() -> None:
        engine = engine_finder()
        assert engine is not None
        await engine.run_ddl("DROP INDEX IF EXISTS booking_entry_household")

    manager.add_raw(create_index)
    manager.add_raw_backwards(drop_index)
    return manager
