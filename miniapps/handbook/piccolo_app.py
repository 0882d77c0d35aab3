"""The handbook app's Piccolo app (its own tables and migrations)."""

from pathlib import Path

from machi_sdk import piccolo_app_config

APP_CONFIG = piccolo_app_config(
    "handbook", Path(__file__).parent, tables_module=f"{__package__}.tables"
)
