"""Piccolo app for the ``miniapp_host`` area."""

from shell.db import area_config

APP_CONFIG = area_config("miniapp_host", depends_on=("identity",))
