"""Piccolo app for the ``audit`` area."""

from shell.db import area_config

APP_CONFIG = area_config("audit", depends_on=("identity",))
