"""Piccolo app for the ``translation`` area (the translation memory)."""

from shell.db import area_config

APP_CONFIG = area_config("translation", depends_on=("identity",))
