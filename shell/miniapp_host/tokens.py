"""Launch tokens: short-lived EdDSA JWS that tell a mini-app who is using it, and no more.

``sub`` is pairwise: an HMAC of the app and the account under the city's secret, so two apps
cannot link the same resident. ``claims`` holds only the profile facts the resident granted.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
import time
from typing import Any

import jwt
from webauthn.helpers import bytes_to_base64url

from shell.miniapp_host.keys import signing_key

TOKEN_SECONDS = 300


def pairwise_id(secret: str, app_id: str, account_id: int) -> str:
    digest = hmac.new(secret.encode(), f"pairwise:{app_id}:{account_id}".encode(), hashlib.sha256)
    return bytes_to_base64url(digest.digest()[:18])


def age_band(birth_date: dt.date, today: dt.date | None = None) -> str:
    """Decade of age ("60s"), never the birth date itself."""
    today = today or dt.date.today()
    years = (
        today.year
        - birth_date.year
        - ((today.month, today.day) < (birth_date.month, birth_date.day))
    )
    return f"{max(years, 0) // 10 * 10}s"


def granted_claims(
    scopes: set[str],
    account: dict[str, Any],
    district: dict[str, Any] | None,
    *,
    verified: bool = False,  # the resident ID's counter or provider verification stands
    household: str | None = None,  # pairwise household id (resident_id.household); None: unverified
) -> dict[str, Any]:
    claims: dict[str, Any] = {}
    if "profile.name" in scopes:
        claims["profile.name"] = account["name"]
    if "profile.district" in scopes and district:
        claims["profile.district"] = district["name"]
    if "profile.age_band" in scopes:
        claims["profile.age_band"] = age_band(account["birth_date"])
    if "resident.verified" in scopes:
        claims["resident.verified"] = verified
    if "resident.household" in scopes:
        claims["resident.household"] = household
    return claims


async def mint(
    *,
    issuer: str,
    secret: str,
    app_id: str,
    account: dict[str, Any],
    scopes: list[str],
    claims: dict[str, Any],
    locale: str,
    roles: list[str],
) -> tuple[str, int]:
    """Sign a token for ``app_id``; returns it with its expiry (epoch seconds)."""
    key = await signing_key()
    now = int(time.time())
    subject = pairwise_id(secret, app_id, account["id"])
    payload = {
        "iss": issuer,
        "aud": app_id,
        "sub": subject,
        "scope": " ".join(sorted(scopes)),
        "claims": claims,
        "locale": locale,
        "roles": roles,
        "iat": now,
        "exp": now + TOKEN_SECONDS,
        "jti": secrets.token_urlsafe(12),
    }
    token = jwt.encode(payload, key.private, algorithm="EdDSA", headers={"kid": key.kid})
    return token, payload["exp"]
