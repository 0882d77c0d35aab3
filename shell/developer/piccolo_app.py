"""Piccolo app for the ``developer`` area."""

from shell.db import area_config

APP_CONFIG = area_config("developer", depends_on=("identity",))
