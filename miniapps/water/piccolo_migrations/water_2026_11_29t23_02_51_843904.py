from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import ForeignKey

ID = "2026-11-29T23:02:51:843904"
VERSION = "1.38.0"
DESCRIPTION = "index linked residents by water account"


async def forwards():
    manager = MigrationManager(
        migration_id=ID, app_name="water", description=DESCRIPTION
    )

    manager.alter_column(
        table_class_name="WaterLink",
        tablename="water_link",
        column_name="account",
        db_column_name="account",
        params={"index": True},
        old_params={"index": False},
        column_class=ForeignKey,
        old_column_class=ForeignKey,
        schema=None,
    )

    return manager
