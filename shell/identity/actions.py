"""Account verbs. Each is one transaction and writes its own audit entry."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
import unicodedata
from typing import Any

from piccolo.engine.base import Engine

from shell.audit.actions import record
from shell.identity.passkeys import NewPasskey
from shell.identity.tables import Account, Passkey, RecoveryCode

CODE_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"  # no 0/O, 1/I/L
CODE_LENGTH = 12


class ActionRefused(Exception):
    """The action cannot be done; ``reason`` names why (the route turns it into a message)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _db() -> Engine[Any]:
    return Account._meta.db


async def _insert_passkey(account_id: int, passkey: NewPasskey, label: str) -> dict[str, Any]:
    rows = await Passkey.insert(
        Passkey(
            account=account_id,
            credential_id=passkey.credential_id,
            public_key=passkey.public_key,
            sign_count=passkey.sign_count,
            transports=passkey.transports,
            backed_up=passkey.backed_up,
            label=label,
        )
    ).returning(Passkey.id)
    return rows[0]


async def create_account(
    profile: dict[str, Any], user_handle: str, passkey: NewPasskey, *, label: str, ip: str
) -> dict[str, Any]:
    async with _db().transaction():
        if await Passkey.exists().where(Passkey.credential_id == passkey.credential_id):
            raise ActionRefused("passkey_exists")
        rows = await Account.insert(
            Account(
                name=profile["name"],
                name_kana=profile["name_kana"],
                birth_date=profile["birth_date"],
                district=profile["district"],
                language=profile["language"],
                webauthn_user_id=user_handle,
            )
        ).returning(Account.id)
        account_id = rows[0]["id"]
        await _insert_passkey(account_id, passkey, label)
        await record("account.created", actor=account_id, subject=f"account:{account_id}", ip=ip)
    account = await Account.select().where(Account.id == account_id).first()
    assert account is not None
    return account


async def add_passkey(account_id: int, passkey: NewPasskey, *, label: str, ip: str) -> None:
    async with _db().transaction():
        if await Passkey.exists().where(Passkey.credential_id == passkey.credential_id):
            raise ActionRefused("passkey_exists")
        row = await _insert_passkey(account_id, passkey, label)
        await record(
            "passkey.added",
            actor=account_id,
            subject=f"account:{account_id}",
            detail={"passkey": row["id"]},
            ip=ip,
        )


async def remove_passkey(account_id: int, passkey_id: int, *, ip: str) -> None:
    async with _db().transaction():
        count = await Passkey.count().where(Passkey.account == account_id)
        owned = await Passkey.exists().where(
            (Passkey.id == passkey_id) & (Passkey.account == account_id)
        )
        if not owned:
            raise ActionRefused("not_found")
        if count <= 1:
            raise ActionRefused("last_passkey")
        await Passkey.delete().where((Passkey.id == passkey_id) & (Passkey.account == account_id))
        await record(
            "passkey.removed",
            actor=account_id,
            subject=f"account:{account_id}",
            detail={"passkey": passkey_id},
            ip=ip,
        )


async def signed_in(account_id: int, passkey_id: int, sign_count: int, *, ip: str) -> None:
    async with _db().transaction():
        await Passkey.update({Passkey.sign_count: sign_count, Passkey.last_used_at: _now()}).where(
            Passkey.id == passkey_id
        )
        await record("account.signed_in", actor=account_id, subject=f"account:{account_id}", ip=ip)


async def signed_out(account_id: int, *, ip: str) -> None:
    await record("account.signed_out", actor=account_id, subject=f"account:{account_id}", ip=ip)


async def sign_out_everywhere(account_id: int, *, ip: str) -> None:
    async with _db().transaction():
        await Account.update({Account.session_epoch: Account.session_epoch + 1}).where(
            Account.id == account_id
        )
        await record(
            "account.signed_out_everywhere",
            actor=account_id,
            subject=f"account:{account_id}",
            ip=ip,
        )


async def update_language(account_id: int, language: str) -> None:
    await Account.update({Account.language: language}).where(Account.id == account_id)


# Recovery codes ------------------------------------------------------------------------------


def normalise_code(typed: str) -> str:
    """Accept full-width characters, lower case, spaces and hyphens as the clerk wrote them."""
    text = unicodedata.normalize("NFKC", typed).upper()
    return "".join(ch for ch in text if ch.isalnum())


def hash_code(secret: str, code: str) -> str:
    return hmac.new(secret.encode(), normalise_code(code).encode(), hashlib.sha256).hexdigest()


def format_code(code: str) -> str:
    return "-".join(code[i : i + 4] for i in range(0, len(code), 4))


async def issue_recovery_code(
    secret: str, account_id: int, *, issued_by: int | None, hours: int, ip: str
) -> str:
    """Issue a new code (earlier unused codes for the account stop working). Returns it once."""
    code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
    async with _db().transaction():
        if not await Account.exists().where(Account.id == account_id):
            raise ActionRefused("not_found")
        await RecoveryCode.update({RecoveryCode.used_at: _now()}).where(
            (RecoveryCode.account == account_id) & RecoveryCode.used_at.is_null()
        )
        await RecoveryCode.insert(
            RecoveryCode(
                account=account_id,
                code_hash=hash_code(secret, code),
                issued_by=issued_by,
                expires_at=_now() + dt.timedelta(hours=hours),
            )
        )
        await record("recovery.issued", actor=issued_by, subject=f"account:{account_id}", ip=ip)
    return format_code(code)


async def find_recovery_code(secret: str, typed: str) -> dict[str, Any] | None:
    """The live code matching what was typed, or None (unknown, used or expired)."""
    if len(normalise_code(typed)) != CODE_LENGTH:
        return None
    return (
        await RecoveryCode.select()
        .where(
            (RecoveryCode.code_hash == hash_code(secret, typed))
            & RecoveryCode.used_at.is_null()
            & (RecoveryCode.expires_at > _now())
        )
        .first()
    )


async def recover_with_code(
    code_id: int, passkey: NewPasskey, *, label: str, ip: str
) -> dict[str, Any]:
    """Use a code once: the lost passkeys and every session are revoked, the new passkey added."""
    async with _db().transaction():
        used = (
            await RecoveryCode.update({RecoveryCode.used_at: _now()})
            .where(
                (RecoveryCode.id == code_id)
                & RecoveryCode.used_at.is_null()
                & (RecoveryCode.expires_at > _now())
            )
            .returning(RecoveryCode.account)
        )
        if not used:
            raise ActionRefused("code_used")
        account_id = used[0]["account"]
        if await Passkey.exists().where(Passkey.credential_id == passkey.credential_id):
            raise ActionRefused("passkey_exists")
        await Passkey.delete().where(Passkey.account == account_id)
        await _insert_passkey(account_id, passkey, label)
        await Account.update({Account.session_epoch: Account.session_epoch + 1}).where(
            Account.id == account_id
        )
        await record("recovery.used", actor=account_id, subject=f"account:{account_id}", ip=ip)
    account = await Account.select().where(Account.id == account_id).first()
    assert account is not None
    return account
