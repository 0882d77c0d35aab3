"""The Platform API's verbs: issue and rotate client credentials, store a value, count a KPI.

Each is one transaction; credential changes are audited. No Litestar here: the HTTP routes and
the in-process platform both call these, after the same checks (``auth.py``).
"""

from __future__ import annotations

import datetime as dt
import json
import re
import secrets
from typing import Any
from zoneinfo import ZoneInfo

from shell.audit.actions import record
from shell.miniapp_host.queries import grant_for_subject
from shell.platform_api import errors
from shell.platform_api.auth import Caller, hash_secret
from shell.platform_api.tables import Credential, KpiCount, StorageEntry
from shell.staff.queries import roles_of
from shell.translation import TranslationUnavailable, remember, translate

# The SDK accepts the same keys (machi_sdk.platform._STORAGE_KEY).
STORAGE_KEY = re.compile(r"^[A-Za-z0-9_.-]{1,64}$")
MAX_VALUE_BYTES = 16 * 1024
MAX_KPI_VALUE = 1_000_000
CITY_TIME = ZoneInfo("Asia/Tokyo")


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def today() -> dt.date:
    """The municipality's day, which KPI counters are kept by."""
    return dt.datetime.now(CITY_TIME).date()


async def issue_credentials(
    app_id: str, city_secret: str, *, actor: int | None = None, ip: str = ""
) -> tuple[str, str]:
    """A new client id and secret for ``app_id`` (existing ones stay valid). The secret is
    returned once and only its HMAC is kept."""
    client_id = f"mc_{secrets.token_hex(12)}"
    secret = f"mcs_{secrets.token_urlsafe(32)}"
    async with Credential._meta.db.transaction():
        await Credential.insert(
            Credential(app_id=app_id, client_id=client_id,
                       secret_hash=hash_secret(city_secret, secret))
        )  # fmt: skip
        await record("platform.credentials_issued", actor=actor, subject=f"miniapp:{app_id}",
                     detail={"client_id": client_id}, ip=ip)  # fmt: skip
    return client_id, secret


async def revoke_credentials(app_id: str, *, actor: int | None = None, ip: str = "") -> int:
    """Revoke every active credential of ``app_id`` at once; how many there were."""
    async with Credential._meta.db.transaction():
        gone = (
            await Credential.update({Credential.revoked_at: _now()})
            .where((Credential.app_id == app_id) & Credential.revoked_at.is_null())
            .returning(Credential.client_id)
        )
        if gone:
            client_ids = [row["client_id"] for row in gone]
            await record("platform.credentials_revoked", actor=actor, subject=f"miniapp:{app_id}",
                         detail={"client_ids": client_ids}, ip=ip)  # fmt: skip
    return len(gone)


async def rotate_credentials(
    app_id: str, city_secret: str, *, actor: int | None = None, ip: str = ""
) -> tuple[str, str]:
    """Revoke the app's credentials and issue a new pair."""
    await revoke_credentials(app_id, actor=actor, ip=ip)
    return await issue_credentials(app_id, city_secret, actor=actor, ip=ip)


def check_key(key: str) -> None:
    if not STORAGE_KEY.match(key):
        raise errors.invalid("a storage key is 1 to 64 letters, digits, '_', '.' or '-'")


def encode_value(value: Any) -> str:
    """The value as JSON text, refused when it is not JSON or larger than 16 KiB."""
    try:
        text = json.dumps(value, ensure_ascii=False, allow_nan=False, separators=(",", ":"))
    except (TypeError, ValueError) as exc:
        raise errors.invalid(f"the value is not JSON: {exc}") from None
    if len(text.encode()) > MAX_VALUE_BYTES:
        raise errors.Refused(
            413, "too_large", f"a stored value is at most {MAX_VALUE_BYTES} bytes of JSON"
        )
    return text


async def store_value(caller: Caller, key: str, value: Any) -> None:
    """Keep ``value`` for the resident under ``key`` (needs ``storage``)."""
    caller.need("storage")
    check_key(key)
    # Kept wrapped in an object: SQLite gives a JSONB column numeric affinity, so a bare "4"
    # would come back as the integer 4 (and a long number as a rounded float).
    text = '{"value":' + encode_value(value) + "}"
    entry = StorageEntry(
        app_id=caller.app_id, account=caller.account_id, key=key, value=text, updated_at=_now()
    )
    await StorageEntry.insert(entry).on_conflict(
        target=(StorageEntry.app_id, StorageEntry.account, StorageEntry.key),
        action="DO UPDATE",
        values=[StorageEntry.value, StorageEntry.updated_at],
    )


async def count_kpi(app_id: str, name: str, value: int, declared: frozenset[str]) -> int:
    """Add ``value`` to today's counter ``name``, a KPI the app's manifest declares; the total."""
    if name not in declared:
        listed = ", ".join(sorted(declared)) or "none"
        raise errors.Refused(
            422, "unknown_kpi", f"{name!r} is not a KPI of this app's manifest (it lists {listed})"
        )
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_KPI_VALUE:
        raise errors.invalid(f"a KPI value is a whole number from 1 to {MAX_KPI_VALUE}")
    day = today()
    where = (KpiCount.app_id == app_id) & (KpiCount.name == name) & (KpiCount.day == day)
    async with KpiCount._meta.db.transaction():
        await KpiCount.insert(KpiCount(app_id=app_id, name=name, day=day, total=0)).on_conflict(
            target=(KpiCount.app_id, KpiCount.name, KpiCount.day), action="DO NOTHING"
        )
        await KpiCount.update({KpiCount.total: KpiCount.total + value}).where(where)
        row = await KpiCount.select(KpiCount.total).where(where).first()
    return int(row["total"]) if row else value


async def notify(caller: Caller, title: str, body: str, url: str | None, daily_limit: int) -> int:
    """Put the app's notification in the resident's inbox and push it (scope ``notify``).

    Refused beyond ``daily_limit`` a day per resident; a resident who muted the app gets
    nothing, and the app is not told (that would reveal a choice the resident made).
    """
    from urllib.parse import quote

    from shell.notifications import api as notifications
    from shell.notifications.tables import InboxItem

    caller.need("notify")
    title, body = title.strip(), body.strip()
    if not title or len(title) > 100:
        raise errors.invalid("title must be 1 to 100 characters")
    if len(body) > 1000:
        raise errors.invalid("body must be at most 1000 characters")
    if url is not None and not (url.startswith("/") and not url.startswith("//")):
        raise errors.invalid("url must be a path of this app, starting with '/'")
    midnight = dt.datetime.combine(today(), dt.time(), tzinfo=CITY_TIME)
    sent_today = await InboxItem.count().where(
        (InboxItem.account == caller.account_id)
        & (InboxItem.message.source == caller.app_id)
        & (InboxItem.message.kind == "app")
        & (InboxItem.created_at >= midnight)
    )
    if sent_today >= daily_limit:
        raise errors.quota_exceeded(daily_limit)
    target = f"/apps/{caller.app_id}"
    if url and url != "/":
        target += f"?path={quote(url, safe='/')}"
    return await notifications.send_texts(
        [caller.account_id],
        texts={"ja": {"title": title, "body": body}},
        url=target,
        topic=f"app:{caller.app_id}",
        source=caller.app_id,
        kind="app",
    )


MAX_AUDIT_DETAIL = 2000


async def app_audit(
    caller: Caller, action: str, subject: str, detail: dict[str, Any] | None, ip: str = ""
) -> None:
    """A hosted app's staff member read or changed a person's record: write it to the city's audit
    log under the app's name. The launch must carry a staff role the person still holds; a
    subject that is one of the app's pairwise ids is filed under that resident's account."""
    held = caller.roles & frozenset(await roles_of(caller.account_id))
    if not held:
        raise errors.not_staff()
    extra = dict(detail or {})
    if len(json.dumps(extra, ensure_ascii=False)) > MAX_AUDIT_DETAIL:
        raise errors.invalid(f"detail must be at most {MAX_AUDIT_DETAIL} characters of JSON")
    grant = await grant_for_subject(caller.app_id, subject)
    filed = f"account:{grant['account']}" if grant else f"app:{caller.app_id}:{subject}"
    await record(
        f"app.{caller.app_id}.{action}"[:64],
        actor=caller.account_id,
        subject=filed[:128],
        detail={**extra, "app": caller.app_id, "roles": sorted(held)},
        ip=ip,
    )


async def translate_texts(texts: list[str], target: str, source: str) -> list[str]:
    """The city's machine translation (memory first, then engine) for a hosted app."""
    try:
        answer = await translate(texts, target, source)
    except TranslationUnavailable as exc:
        raise errors.unavailable(str(exc) or "no translation engine") from None
    return list(answer)


async def remember_translation(
    caller: Caller, source_text: str, target: str, text: str, source: str = "ja"
) -> None:
    """A hosted app's staff member corrected a machine translation: keep it in the city's
    translation memory as a staff correction, as the shell's own composers do, so every later
    translation of the same text (by any app or the shell) answers it."""
    if not caller.roles & frozenset(await roles_of(caller.account_id)):
        raise errors.not_staff("correct translations")
    if target == source:
        raise errors.invalid("a translation is into another language than its source")
    if not source_text.strip() or not text.strip():
        raise errors.invalid("source_text and text must not be blank")
    await remember(source_text, target, text, source=source, origin="staff", by=caller.account_id)
