"""The home tile and the ID card read the resident's verification and credential, and the
counter its requests: by account, not by scanning every resident's rows."""

from shell.db import index_migration

ID = "2026-11-29T23:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "resident ID lookups by account"

forwards = index_migration(
    "resident_id",
    ID,
    DESCRIPTION,
    {
        "resident_id_verification_account": "resident_id_verification (account)",
        "resident_id_credential_account": "resident_id_credential (account)",
        "resident_id_counter_request_account": "resident_id_counter_request (account)",
    },
)
