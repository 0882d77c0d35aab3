"""Piccolo app for the ``notifications`` area."""

from shell.db import area_config

APP_CONFIG = area_config("notifications", depends_on=("identity", "city"))
