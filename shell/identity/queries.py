"""Read accounts and passkeys."""

from __future__ import annotations

import datetime as dt
from typing import Any

from shell.city.tables import District
from shell.db import Prepared, contains
from shell.identity.tables import Account, Passkey, RecoveryCode


async def account(account_id: int) -> dict[str, Any]:
    row = await Account.select().where(Account.id == account_id).first()
    if row is None:
        raise LookupError(account_id)
    return row


async def passkey_by_credential(credential_id: str) -> dict[str, Any] | None:
    return await Passkey.select().where(Passkey.credential_id == credential_id).first()


# the account page's and the ID card's reads: the SQL is built once (shell.db.Prepared)
_passkeys_of = Prepared(
    lambda account_id: (
        Passkey.select(
            Passkey.id,
            Passkey.credential_id,
            Passkey.label,
            Passkey.created_at,
            Passkey.last_used_at,
            Passkey.backed_up,
        )
        .where(Passkey.account == account_id)
        .order_by(Passkey.id)
    )
)
_district = Prepared(
    lambda district_id: District.select().where(District.id == district_id).first()
)


async def passkeys_of(account_id: int) -> list[dict[str, Any]]:
    return await _passkeys_of(account_id)  # type: ignore[no-any-return]


async def district_of(account_row: dict[str, Any]) -> dict[str, Any] | None:
    if account_row["district"] is None:
        return None
    return await _district(account_row["district"])  # type: ignore[no-any-return]


async def live_recovery_code(code_id: int) -> dict[str, Any] | None:
    return (
        await RecoveryCode.select()
        .where(
            (RecoveryCode.id == code_id)
            & RecoveryCode.used_at.is_null()
            & (RecoveryCode.expires_at > dt.datetime.now(dt.UTC))
        )
        .first()
    )


async def search(text: str, limit: int = 30) -> list[dict[str, Any]]:
    """Accounts whose name or kana contains ``text`` (for the counter and role admin)."""
    return (
        await Account.select(
            Account.id,
            Account.name,
            Account.name_kana,
            Account.birth_date,
            Account.district.name.as_alias("district_name"),
        )
        .where(contains(Account.name, text.strip()) | contains(Account.name_kana, text.strip()))
        .order_by(Account.name_kana)
        .limit(limit)
    )
