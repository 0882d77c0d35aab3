"""Piccolo app for the ``disaster`` area."""

from shell.db import area_config

APP_CONFIG = area_config("disaster", depends_on=("identity",))
