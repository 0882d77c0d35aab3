"""Read verification state, credentials and the status list."""

from __future__ import annotations

import datetime as dt
from typing import Any

from shell.db import Prepared
from shell.identity.session import AccountFact, read_alone
from shell.resident_id.tables import CounterRequest, Credential, Verification

# Bits in the status list: indexes are drawn at random from this range (so that an index says
# nothing about when a resident joined) and the list stays a few hundred bytes compressed.
STATUS_LIST_SIZE = 1 << 17

_PUBLIC_COLUMNS = (
    Verification.id,
    Verification.account,
    Verification.method,
    Verification.document_type,
    Verification.checked_on,
    Verification.verified_by,
    Verification.photo_type,
    Verification.created_at,
)


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


# the ID card's reads, on every showing: the SQL is built once (shell.db.Prepared)
_verification_of = Prepared(
    lambda account_id: (
        Verification.select(*_PUBLIC_COLUMNS)
        .where((Verification.account == account_id) & Verification.revoked_at.is_null())
        .order_by(Verification.id, ascending=False)
        .first()
    )
)


async def verification_of(account_id: int) -> dict[str, Any] | None:
    """The resident's standing verification (not revoked), without the photo's bytes."""
    return await _verification_of(account_id)  # type: ignore[no-any-return]


# Whether the resident holds a standing verification (not revoked): one definition, read with
# the account where the home page's ID tile shows it (shell/resident_id/home.py) and alone here.
VERIFIED = AccountFact(
    "id_verified",
    f"SELECT EXISTS(SELECT 1 FROM {Verification._meta.tablename} v "  # noqa: S608 (our names)
    "WHERE v.account = {account} AND v.revoked_at IS NULL)",
)
_is_verified = read_alone(VERIFIED)


async def is_verified(account_id: int) -> bool:
    row = await _is_verified(account_id)
    return bool(row and row[VERIFIED.name])


async def photo_of(account_id: int) -> tuple[bytes, str] | None:
    row = (
        await Verification.select(Verification.photo, Verification.photo_type)
        .where(
            (Verification.account == account_id)
            & Verification.revoked_at.is_null()
            & Verification.photo.is_not_null()
        )
        .order_by(Verification.id, ascending=False)
        .first()
    )
    return (bytes(row["photo"]), row["photo_type"]) if row else None


_live_credentials = Prepared(
    lambda account_id: (
        Credential.select()
        .where((Credential.account == account_id) & Credential.revoked_at.is_null())
        .order_by(Credential.id)
    )
)


async def live_credentials(account_id: int) -> list[dict[str, Any]]:
    return await _live_credentials(account_id)  # type: ignore[no-any-return]


async def revoked_indexes() -> list[int]:
    rows = await Credential.select(Credential.status_idx).where(Credential.revoked_at.is_not_null())
    return [row["status_idx"] for row in rows]


async def live_request(token: str) -> dict[str, Any] | None:
    """A counter request that is neither used nor expired."""
    return (
        await CounterRequest.select()
        .where(
            (CounterRequest.token == token)
            & CounterRequest.used_at.is_null()
            & (CounterRequest.expires_at > _now())
        )
        .first()
    )


async def live_request_of(account_id: int) -> dict[str, Any] | None:
    return (
        await CounterRequest.select()
        .where(
            (CounterRequest.account == account_id)
            & CounterRequest.used_at.is_null()
            & (CounterRequest.expires_at > _now() + dt.timedelta(minutes=2))
        )
        .order_by(CounterRequest.id, ascending=False)
        .first()
    )


async def household_of(account_id: int) -> str | None:
    """The household key of the resident's standing verification: ``None`` when not verified,
    ``""`` when verified before households were recorded (a household of one)."""
    row = (
        await Verification.select(Verification.household)
        .where((Verification.account == account_id) & Verification.revoked_at.is_null())
        .order_by(Verification.id, ascending=False)
        .first()
    )
    return None if row is None else str(row["household"])
