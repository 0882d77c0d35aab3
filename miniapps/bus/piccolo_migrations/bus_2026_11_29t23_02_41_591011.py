from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import ForeignKey

ID = "2026-11-29T23:02:41:591011"
VERSION = "1.38.0"
DESCRIPTION = "index bus requests by rider"


async def forwards():
    manager = MigrationManager(
        migration_id=ID, app_name="bus", description=DESCRIPTION
    )

    manager.alter_column(
        table_class_name="BusRequest",
        tablename="bus_request",
        column_name="rider",
        db_column_name="rider",
        params={"index": True},
        old_params={"index": False},
        column_class=ForeignKey,
        old_column_class=ForeignKey,
        schema=None,
    )

    return manager
