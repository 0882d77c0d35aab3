"""Piccolo configuration: the engine comes from ``MACHI_DATABASE_URL`` (SQLite by default).

Every area of the shell is a Piccolo app with its own tables and migrations; later areas and
mini-apps add themselves to ``APPS``.
"""

from piccolo.conf.apps import AppRegistry

from shell.db import engine_for_url
from shell.settings import Settings

APPS = [
    "shell.city.piccolo_app",
    "shell.identity.piccolo_app",
    "shell.audit.piccolo_app",
    "shell.staff.piccolo_app",
    "shell.miniapp_host.piccolo_app",
    "shell.developer.piccolo_app",
    "shell.platform_api.piccolo_app",
    "shell.notifications.piccolo_app",
    "shell.wallet.piccolo_app",
    "shell.disaster.piccolo_app",
    "shell.resident_id.piccolo_app",
    "shell.translation.piccolo_app",
]

DB = engine_for_url(Settings.from_env().effective_database_url)

APP_REGISTRY = AppRegistry(apps=APPS)

# Hosted first-party mini-apps (MACHI_MINIAPPS) with tables of their own: migrated on this engine.
from shell.miniapp_host.firstparty import piccolo_apps  # noqa: E402

APPS += piccolo_apps(Settings.from_env())
APP_REGISTRY = AppRegistry(apps=APPS)
