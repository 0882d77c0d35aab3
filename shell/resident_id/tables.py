"""Who was verified how, the credentials issued to residents' devices, counter requests.

Only the document *type* and the day it was checked are kept: never a document number, never a
My Number (個人番号), never the address (only its keyed hash, ``shell.resident_id.household``).
"""

from piccolo.columns import (
    Bytea,
    Date,
    ForeignKey,
    Integer,
    OnDelete,
    Timestamptz,
    Varchar,
)
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from shell.identity.tables import Account


class Verification(Table, tablename="resident_id_verification"):
    """A resident's identity checked once: at the counter or by an identity provider."""

    account = ForeignKey(Account, on_delete=OnDelete.cascade)  # type: ignore[arg-type]
    method = Varchar(length=16)  # "counter" | "oidc"
    document_type = Varchar(length=32)  # a key of DOCUMENT_TYPES, or the provider's name
    checked_on = Date()
    verified_by = ForeignKey(Account, null=True, on_delete=OnDelete.set_null)  # type: ignore[arg-type]
    photo = Bytea(null=True, default=None)  # JPEG or PNG, size-limited; shown on the card
    photo_type = Varchar(length=32, default="")
    # HMAC of the registered address (household.household_key); "" if verified before households.
    household = Varchar(length=64, default="")
    created_at = Timestamptz(default=TimestamptzNow())
    revoked_at = Timestamptz(null=True, default=None)
    revoked_reason = Varchar(length=32, default="")


class Credential(Table, tablename="resident_id_credential"):
    """An SD-JWT issued to one device key; its ``status_idx`` is its bit in the status list."""

    account = ForeignKey(Account, on_delete=OnDelete.cascade)  # type: ignore[arg-type]
    status_idx = Integer(unique=True)
    device_thumbprint = Varchar(length=64)
    issued_at = Timestamptz(default=TimestamptzNow())
    expires_at = Timestamptz()
    revoked_at = Timestamptz(null=True, default=None, index=True)
    revoked_reason = Varchar(length=32, default="")


class CounterRequest(Table, tablename="resident_id_counter_request"):
    """The request QR a resident shows at the counter: single use, minutes long."""

    token = Varchar(length=64, unique=True)
    account = ForeignKey(Account, on_delete=OnDelete.cascade)  # type: ignore[arg-type]
    expires_at = Timestamptz()
    used_at = Timestamptz(null=True, default=None)
