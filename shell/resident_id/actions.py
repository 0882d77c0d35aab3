"""Verbs of the resident ID: ask for a counter check, verify, issue to a device, revoke.

Each is one transaction, audited where a staff member touches a resident's record.
"""

from __future__ import annotations

import datetime as dt
import secrets
import time
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from shell.audit.actions import record
from shell.identity import queries as identity_queries
from shell.identity.tables import Account
from shell.miniapp_host.keys import signing_key
from shell.resident_id import queries, sdjwt
from shell.resident_id.photo import qr_thumbnail
from shell.resident_id.tables import CounterRequest, Credential, Verification
from shell.web.i18n import lazy

JST = ZoneInfo("Asia/Tokyo")
REQUEST_MINUTES = 10
CREDENTIAL_DAYS = 30
PHOTO_MAX_BYTES = 300 * 1024
STATUS_TTL_SECONDS = 300
# A resident changes phones rarely; more than this a day would only fill the status list.
ISSUES_PER_DAY = 10

# What may be recorded about the document the clerk looked at: its type, nothing else.
DOCUMENT_TYPES: dict[str, str] = {
    "my_number_card": lazy("マイナンバーカード（番号は記録しません）"),
    "drivers_license": lazy("運転免許証"),
    "passport": lazy("パスポート"),
    "residence_card": lazy("在留カード"),
    "disability_certificate": lazy("身体障害者手帳など"),
    "other_photo_id": lazy("その他の写真付き公的証明書"),
}

# Why a credential stops working. Moving out and death end the verification itself.
REVOKE_REASONS: dict[str, str] = {
    "moved_out": lazy("転出"),
    "deceased": lazy("死亡"),
    "lost_device": lazy("端末の紛失"),
}
ENDS_VERIFICATION = frozenset({"moved_out", "deceased"})


class Refused(Exception):
    """The action cannot be done; ``reason`` names why (the route turns it into a message)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def age_on(birth: dt.date, day: dt.date) -> int:
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


def today_in_japan() -> dt.date:
    return dt.datetime.now(JST).date()


async def request_counter_check(account_id: int) -> dict[str, Any]:
    """The request a resident shows at the counter (a live one is reused)."""
    existing = await queries.live_request_of(account_id)
    if existing:
        return existing
    row = CounterRequest(
        token=secrets.token_urlsafe(18),
        account=account_id,
        expires_at=_now() + dt.timedelta(minutes=REQUEST_MINUTES),
    )
    await row.save()
    return row.to_dict()


def photo_type(photo: bytes) -> str:
    if photo.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if photo.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    raise Refused("photo_type")


async def verify_at_counter(
    token: str,
    *,
    staff_id: int,
    document_type: str,
    checked_on: dt.date,
    photo: bytes | None,
    ip: str,
    household: str = "",
) -> int:
    """Mark the resident behind ``token`` verified; returns their account id.

    ``household`` is the key of their registered address (:func:`household.household_key`),
    never the address itself."""
    if document_type not in DOCUMENT_TYPES:
        raise Refused("document_type")
    if checked_on > today_in_japan() or checked_on < today_in_japan() - dt.timedelta(days=7):
        raise Refused("checked_on")
    kind = ""
    if photo:
        if len(photo) > PHOTO_MAX_BYTES:
            raise Refused("photo_size")
        kind = photo_type(photo)
    async with Verification._meta.db.transaction():
        request = await queries.live_request(token)
        if request is None:
            raise Refused("request")
        used = (
            await CounterRequest.update({CounterRequest.used_at: _now()})
            .where((CounterRequest.id == request["id"]) & CounterRequest.used_at.is_null())
            .returning(CounterRequest.id)
        )
        if not used:
            raise Refused("request")
        account_id = int(request["account"])
        await Verification.update(
            {Verification.revoked_at: _now(), Verification.revoked_reason: "superseded"}
        ).where((Verification.account == account_id) & Verification.revoked_at.is_null())
        await Verification.insert(
            Verification(
                account=account_id,
                method="counter",
                document_type=document_type,
                checked_on=checked_on,
                verified_by=staff_id,
                photo=photo or None,
                photo_type=kind,
                household=household,
            )
        )
        await record(
            "resident_id.verified",
            actor=staff_id,
            subject=f"account:{account_id}",
            detail={
                "document_type": document_type,
                "checked_on": checked_on.isoformat(),
                "photo": bool(photo),
                "household": bool(household),
            },
            ip=ip,
        )
    return account_id


async def verify_by_provider(
    account_id: int, *, provider: str, checked_on: dt.date, household: str = ""
) -> None:
    """An identity provider (OpenID Connect) vouched for the resident; ``household`` is the key of
    the address it gave, ``""`` when it gave none."""
    async with Verification._meta.db.transaction():
        await Verification.update(
            {Verification.revoked_at: _now(), Verification.revoked_reason: "superseded"}
        ).where((Verification.account == account_id) & Verification.revoked_at.is_null())
        await Verification.insert(
            Verification(
                account=account_id,
                method="oidc",
                document_type=provider,
                checked_on=checked_on,
                household=household,
            )
        )
        await record(
            "resident_id.verified",
            actor=account_id,
            subject=f"account:{account_id}",
            detail={"provider": provider, "household": bool(household)},
        )


async def disclosable_claims(account_id: int, municipality: str) -> dict[str, Any]:
    """What the card can show; the age claims only when they hold (absence proves nothing)."""
    account = await identity_queries.account(account_id)
    district = await identity_queries.district_of(account)
    age = age_on(account["birth_date"], today_in_japan())
    claims: dict[str, Any] = {
        "name": account["name"],
        "name_kana": account["name_kana"],
        "resident_of": municipality,
        "district": district["name"] if district else "",
    }
    if age >= 18:
        claims["age_over_18"] = True
    if age >= 65:
        claims["age_over_65"] = True
    found = await queries.photo_of(account_id)
    thumbnail = qr_thumbnail(found[0]) if found else None
    if thumbnail:
        claims["photo"] = thumbnail  # shown only in the "photo and name" proof
    return claims


@dataclass(frozen=True)
class Issued:
    credential: str
    claims: dict[str, Any]
    expires_at: int


async def issue_credential(
    account_id: int, holder_jwk: dict[str, Any], *, issuer: str, municipality: str
) -> Issued:
    """Sign a credential bound to the device key; the account's earlier ones are revoked."""
    if not await queries.is_verified(account_id):
        raise Refused("not_verified")
    try:
        sdjwt.p256_public_from_jwk(holder_jwk)
    except sdjwt.Invalid as exc:
        raise Refused("device_key") from exc
    jwk = {k: holder_jwk[k] for k in ("kty", "crv", "x", "y")}
    recent = await Credential.count().where(
        (Credential.account == account_id) & (Credential.issued_at > _now() - dt.timedelta(days=1))
    )
    if recent >= ISSUES_PER_DAY:
        raise Refused("too_many")
    claims = await disclosable_claims(account_id, municipality)
    key = await signing_key()
    now = int(time.time())
    lifetime = CREDENTIAL_DAYS * 86400
    async with Credential._meta.db.transaction():
        await Credential.update(
            {Credential.revoked_at: _now(), Credential.revoked_reason: "replaced"}
        ).where((Credential.account == account_id) & Credential.revoked_at.is_null())
        idx = await _free_index()
        await Credential.insert(
            Credential(
                account=account_id,
                status_idx=idx,
                device_thumbprint=sdjwt.jwk_thumbprint(jwk),
                expires_at=dt.datetime.fromtimestamp(now + lifetime, dt.UTC),
            )
        )
    credential = sdjwt.issue(
        key=key.private,
        kid=key.kid,
        issuer=issuer,
        disclosable=claims,
        holder_jwk=jwk,
        status_idx=idx,
        status_uri=status_uri(issuer),
        lifetime_seconds=lifetime,
        now=now,
    )
    return Issued(credential, claims, now + lifetime)


def status_uri(issuer: str) -> str:
    return issuer.rstrip("/") + "/resident-id/status"


async def _free_index() -> int:
    for _ in range(20):
        idx = secrets.randbelow(queries.STATUS_LIST_SIZE)
        if not await Credential.exists().where(Credential.status_idx == idx):
            return idx
    raise Refused("status_list_full")


async def revoke(account_id: int, reason: str, *, by: int, ip: str = "") -> int:
    """Revoke the account's credentials (and, on moving out or death, its verification).

    Returns how many credentials were revoked. Verifiers learn it at their next sync.
    """
    if reason not in REVOKE_REASONS:
        raise Refused("reason")
    async with Credential._meta.db.transaction():
        if not await Account.exists().where(Account.id == account_id):
            raise Refused("not_found")
        revoked = (
            await Credential.update(
                {Credential.revoked_at: _now(), Credential.revoked_reason: reason}
            )
            .where((Credential.account == account_id) & Credential.revoked_at.is_null())
            .returning(Credential.id)
        )
        if reason in ENDS_VERIFICATION:
            await Verification.update(
                {Verification.revoked_at: _now(), Verification.revoked_reason: reason}
            ).where((Verification.account == account_id) & Verification.revoked_at.is_null())
        await record(
            "resident_id.revoked",
            actor=by,
            subject=f"account:{account_id}",
            detail={"reason": reason, "credentials": len(revoked)},
            ip=ip,
        )
    forget_status_cache()
    return len(revoked)


_status_cache: tuple[float, str, str] | None = None
STATUS_CACHE_SECONDS = 5.0


async def status_list_token(issuer: str) -> str:
    """The signed status list; rebuilt at most every few seconds per process."""
    global _status_cache
    uri = status_uri(issuer)
    if (
        _status_cache
        and _status_cache[1] == uri
        and time.monotonic() - _status_cache[0] < (STATUS_CACHE_SECONDS)
    ):
        return _status_cache[2]
    key = await signing_key()
    token = sdjwt.status_list_token(
        key=key.private,
        kid=key.kid,
        uri=uri,
        revoked=await queries.revoked_indexes(),
        size=queries.STATUS_LIST_SIZE,
        ttl=STATUS_TTL_SECONDS,
    )
    _status_cache = (time.monotonic(), uri, token)
    return token


def forget_status_cache() -> None:
    global _status_cache
    _status_cache = None
