"""Piccolo app for the ``platform_api`` area."""

from shell.db import area_config

APP_CONFIG = area_config("platform_api", depends_on=("identity",))
