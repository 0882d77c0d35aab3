"""Accounts and their passkeys. No password column exists, and no My Number is ever stored."""

from piccolo.columns import (
    JSONB,
    Boolean,
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

from shell.city.tables import District


class Account(Table, tablename="identity_account"):
    """A person: a resident, and a staff member too when they hold a role."""

    name = Varchar(length=100)
    name_kana = Varchar(length=200)
    birth_date = Date()
    district = ForeignKey(District, on_delete=OnDelete.restrict)  # type: ignore[arg-type]
    language = Varchar(length=16, default="ja")
    # How pages are shown to this person (shell.web.display): ruby readings over kanji, text size
    # ("normal", "large", "largest") and contrast ("normal", "high").
    furigana = Boolean(default=False)
    text_size = Varchar(length=8, default="normal")
    contrast = Varchar(length=8, default="normal")
    # Random handle given to authenticators instead of anything personal.
    webauthn_user_id = Varchar(length=128, unique=True)
    # Incremented by "sign out everywhere"; sessions carrying an older epoch are refused.
    session_epoch = Integer(default=0)
    created_at = Timestamptz(default=TimestamptzNow())


class Passkey(Table, tablename="identity_passkey"):
    account = ForeignKey(Account, on_delete=OnDelete.cascade)  # type: ignore[arg-type]
    credential_id = Varchar(length=1024, unique=True)
    public_key = Bytea()
    sign_count = Integer(default=0)
    transports = JSONB(default=[])
    backed_up = Boolean(default=False)
    label = Varchar(length=100, default="")
    created_at = Timestamptz(default=TimestamptzNow())
    last_used_at = Timestamptz(null=True, default=None)


class Challenge(Table, tablename="identity_challenge"):
    """A WebAuthn challenge: single use, short-lived, bound to the browser session that asked."""

    challenge = Varchar(length=128, unique=True)
    purpose = Varchar(length=32)
    session_nonce = Varchar(length=64)
    account = ForeignKey(Account, null=True, on_delete=OnDelete.cascade)  # type: ignore[arg-type]
    payload = JSONB(default={})
    expires_at = Timestamptz()
    used_at = Timestamptz(null=True, default=None)


class RecoveryCode(Table, tablename="identity_recovery_code"):
    """A one-time code a counter clerk issues after checking identity; only its hash is kept."""

    account = ForeignKey(Account, on_delete=OnDelete.cascade)  # type: ignore[arg-type]
    code_hash = Varchar(length=128, unique=True)
    issued_by = ForeignKey(Account, null=True, on_delete=OnDelete.set_null)  # type: ignore[arg-type]
    issued_at = Timestamptz(default=TimestamptzNow())
    expires_at = Timestamptz()
    used_at = Timestamptz(null=True, default=None)


class WebSession(Table, tablename="identity_session"):
    """Server-side session data for the database-backed session store."""

    key = Varchar(length=128, unique=True)
    value = Bytea()
    expires_at = Timestamptz(null=True, default=None, index=True)
