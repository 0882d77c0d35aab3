"""Piccolo app for the ``platform_api`` area."""

import os

from piccolo.conf.apps import AppConfig, table_finder

CURRENT_DIRECTORY = os.path.dirname(os.path.abspath(__file__))

APP_CONFIG = AppConfig(
    app_name="platform_api",
    migrations_folder_path=os.path.join(CURRENT_DIRECTORY, "piccolo_migrations"),
    table_classes=table_finder(modules=["shell.platform_api.tables"], exclude_imported=True),
    migration_dependencies=["shell.identity.piccolo_app"],
    commands=[],
)
