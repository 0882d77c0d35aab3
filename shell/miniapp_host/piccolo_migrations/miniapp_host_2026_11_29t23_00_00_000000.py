"""A mini-app's launch checks the resident's consent to it: with only the app's index that visited
every grant of the app (in a prefecture, most residents' grants to the garbage app)."""

from shell.db import index_migration

ID = "2026-11-29T23:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "grant by account and app"

forwards = index_migration(
    "miniapp_host",
    ID,
    DESCRIPTION,
    {
        "miniapp_host_grant_account_app": "miniapp_host_grant (account, app_id)",
    },
)
