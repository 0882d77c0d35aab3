"""Piccolo app for the ``city`` area."""

from shell.db import area_config

APP_CONFIG = area_config("city")
