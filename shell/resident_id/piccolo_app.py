"""Piccolo app for the ``resident_id`` area."""

from shell.db import area_config

APP_CONFIG = area_config("resident_id", depends_on=("identity",))
