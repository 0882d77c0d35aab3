"""Piccolo app for the ``identity`` area."""

from shell.db import area_config

APP_CONFIG = area_config("identity", depends_on=("city",))
