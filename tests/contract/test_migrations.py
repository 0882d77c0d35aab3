"""Every table has a migration, and every table's name starts with its area's name."""

import pytest
from piccolo.apps.migrations.commands.new import AutoMigrationManager

from shell import piccolo_conf

APPS = list(piccolo_conf.APP_REGISTRY.app_configs.values())


@pytest.mark.parametrize("app_config", APPS, ids=lambda c: c.app_name)
async def test_no_model_change_lacks_a_migration(app_config):
    manager = AutoMigrationManager(auto_input="n")
    pending = [
        statement
        for alter in await manager.get_alter_statements(app_config=app_config)
        for statement in alter.statements
    ]
    assert not pending, (
        f"{app_config.app_name} has model changes without a migration; run "
        f"`PICCOLO_CONF=shell.piccolo_conf .venv/bin/piccolo migrations new "
        f"{app_config.app_name} --auto`:\n" + "\n".join(pending)
    )


@pytest.mark.parametrize("app_config", APPS, ids=lambda c: c.app_name)
def test_table_names_are_prefixed_with_the_area(app_config):
    for table in app_config.table_classes:
        assert table._meta.tablename.startswith(f"{app_config.app_name}_"), table
