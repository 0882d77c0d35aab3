from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import ForeignKey

ID = "2026-11-29T23:02:46:543344"
VERSION = "1.38.0"
DESCRIPTION = "index guardians, records and doses by child"


async def forwards():
    manager = MigrationManager(
        migration_id=ID, app_name="handbook", description=DESCRIPTION
    )

    manager.alter_column(
        table_class_name="HandbookDose",
        tablename="handbook_dose",
        column_name="child",
        db_column_name="child",
        params={"index": True},
        old_params={"index": False},
        column_class=ForeignKey,
        old_column_class=ForeignKey,
        schema=None,
    )

    manager.alter_column(
        table_class_name="HandbookGuardian",
        tablename="handbook_guardian",
        column_name="child",
        db_column_name="child",
        params={"index": True},
        old_params={"index": False},
        column_class=ForeignKey,
        old_column_class=ForeignKey,
        schema=None,
    )

    manager.alter_column(
        table_class_name="HandbookRecord",
        tablename="handbook_record",
        column_name="child",
        db_column_name="child",
        params={"index": True},
        old_params={"index": False},
        column_class=ForeignKey,
        old_column_class=ForeignKey,
        schema=None,
    )

    return manager
