"""Piccolo app for the ``staff`` area."""

from shell.db import area_config

APP_CONFIG = area_config("staff", depends_on=("identity",))
