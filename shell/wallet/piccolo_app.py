"""Piccolo app for the ``wallet`` area."""

from shell.db import area_config

APP_CONFIG = area_config("wallet", depends_on=("identity",))
