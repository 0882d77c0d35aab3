from piccolo.apps.migrations.auto.migration_manager import MigrationManager

ID = "2026-11-29T10:45:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "apply_counter_tally.count -> paper_count (a column named count hid Table.count())"


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="apply", description=DESCRIPTION)

    manager.rename_column(
        table_class_name="ApplyCounterTally",
        tablename="apply_counter_tally",
        old_column_name="count",
        new_column_name="paper_count",
        old_db_column_name="count",
        new_db_column_name="paper_count",
        schema=None,
    )

    return manager
