"""WebAuthn ceremonies with py_webauthn: challenges single-use and expiring, UV required.

A challenge row is bound to the browser session that asked for it and is consumed atomically
(``UPDATE … WHERE used_at IS NULL RETURNING``) before the response is verified, so a replayed
or stolen response finds nothing to match.
"""

from __future__ import annotations

import datetime as dt
import json
import secrets
from dataclasses import dataclass
from typing import Any

from webauthn import (
    generate_authentication_options,
    generate_registration_options,
    options_to_json,
    verify_authentication_response,
    verify_registration_response,
)
from webauthn.helpers import base64url_to_bytes, bytes_to_base64url
from webauthn.helpers.exceptions import (
    InvalidAuthenticationResponse,
    InvalidCBORData,
    InvalidJSONStructure,
    InvalidRegistrationResponse,
)
from webauthn.helpers.structs import (
    AuthenticatorSelectionCriteria,
    AuthenticatorTransport,
    PublicKeyCredentialDescriptor,
    ResidentKeyRequirement,
    UserVerificationRequirement,
)

from shell.identity.tables import Challenge
from shell.settings import Settings

CHALLENGE_SECONDS = 300


class CeremonyError(Exception):
    """The browser's answer cannot be accepted; ``reason`` is a message id for the user."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


# Message ids shown to the user (translated where they are shown).
EXPIRED = "expired"
INVALID = "invalid"
UNKNOWN_PASSKEY = "unknown_passkey"


@dataclass(frozen=True)
class NewPasskey:
    credential_id: str
    public_key: bytes
    sign_count: int
    transports: list[str]
    backed_up: bool


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


async def _store_challenge(
    challenge: bytes, purpose: str, nonce: str, account: int | None, payload: dict[str, Any]
) -> None:
    await Challenge.insert(
        Challenge(
            challenge=bytes_to_base64url(challenge),
            purpose=purpose,
            session_nonce=nonce,
            account=account,
            payload=payload,
            expires_at=_now() + dt.timedelta(seconds=CHALLENGE_SECONDS),
        )
    )
    # Sweep what has expired so the table stays small.
    await Challenge.delete().where(Challenge.expires_at < _now() - dt.timedelta(hours=1))


async def registration_options(
    settings: Settings,
    *,
    purpose: str,
    nonce: str,
    user_name: str,
    user_handle: str,
    account: int | None = None,
    exclude: list[str] | None = None,
    payload: dict[str, Any] | None = None,
) -> str:
    """Options JSON for ``navigator.credentials.create``; the challenge is stored."""
    options = generate_registration_options(
        rp_id=settings.rp_id,
        rp_name=settings.rp_name,
        user_id=base64url_to_bytes(user_handle),
        user_name=user_name,
        user_display_name=user_name,
        authenticator_selection=AuthenticatorSelectionCriteria(
            resident_key=ResidentKeyRequirement.REQUIRED,
            user_verification=UserVerificationRequirement.REQUIRED,
        ),
        exclude_credentials=[
            PublicKeyCredentialDescriptor(id=base64url_to_bytes(cid)) for cid in exclude or []
        ],
        timeout=CHALLENGE_SECONDS * 1000,
    )
    await _store_challenge(options.challenge, purpose, nonce, account, payload or {})
    return options_to_json(options)


async def authentication_options(settings: Settings, *, nonce: str) -> str:
    """Options JSON for ``navigator.credentials.get`` with discoverable credentials."""
    options = generate_authentication_options(
        rp_id=settings.rp_id,
        user_verification=UserVerificationRequirement.REQUIRED,
        timeout=CHALLENGE_SECONDS * 1000,
    )
    await _store_challenge(options.challenge, "authenticate", nonce, None, {})
    return options_to_json(options)


def new_user_handle() -> str:
    return bytes_to_base64url(secrets.token_bytes(32))


def _client_challenge(credential: dict[str, Any]) -> str:
    try:
        client_data = json.loads(base64url_to_bytes(credential["response"]["clientDataJSON"]))
        return str(client_data["challenge"])
    except (KeyError, TypeError, ValueError) as exc:
        raise CeremonyError(INVALID) from exc


async def consume_challenge(
    credential: dict[str, Any], *, purpose: str, nonce: str
) -> dict[str, Any]:
    """Mark the credential's challenge used, once; return its row or raise ``EXPIRED``."""
    challenge = _client_challenge(credential)
    rows = (
        await Challenge.update({Challenge.used_at: _now()})
        .where(
            (Challenge.challenge == challenge)
            & (Challenge.purpose == purpose)
            & (Challenge.session_nonce == nonce)
            & Challenge.used_at.is_null()
            & (Challenge.expires_at > _now())
        )
        .returning(*Challenge.all_columns())
    )
    if not rows:
        raise CeremonyError(EXPIRED)
    row = rows[0]
    if isinstance(row["payload"], str):  # JSON columns come back as text from RETURNING
        row["payload"] = json.loads(row["payload"])
    return row


def verify_new_passkey(
    settings: Settings, credential: dict[str, Any], challenge_row: dict[str, Any]
) -> NewPasskey:
    try:
        verified = verify_registration_response(
            credential=credential,
            expected_challenge=base64url_to_bytes(challenge_row["challenge"]),
            expected_rp_id=settings.rp_id,
            expected_origin=settings.origins,
            require_user_verification=True,
        )
    except (InvalidRegistrationResponse, InvalidJSONStructure, InvalidCBORData, ValueError) as exc:
        raise CeremonyError(INVALID) from exc
    transports = credential.get("response", {}).get("transports") or []
    return NewPasskey(
        credential_id=bytes_to_base64url(verified.credential_id),
        public_key=verified.credential_public_key,
        sign_count=verified.sign_count,
        transports=[t for t in transports if t in {x.value for x in AuthenticatorTransport}],
        backed_up=bool(verified.credential_backed_up),
    )


def verify_assertion(
    settings: Settings,
    credential: dict[str, Any],
    challenge_row: dict[str, Any],
    passkey: dict[str, Any],
) -> int:
    """Verify a sign-in; return the new sign count (a counter that went back is refused)."""
    try:
        verified = verify_authentication_response(
            credential=credential,
            expected_challenge=base64url_to_bytes(challenge_row["challenge"]),
            expected_rp_id=settings.rp_id,
            expected_origin=settings.origins,
            credential_public_key=bytes(passkey["public_key"]),
            credential_current_sign_count=passkey["sign_count"],
            require_user_verification=True,
        )
    except (
        InvalidAuthenticationResponse,
        InvalidJSONStructure,
        InvalidCBORData,
        ValueError,
    ) as exc:
        raise CeremonyError(INVALID) from exc
    return int(verified.new_sign_count)


def credential_id_of(credential: dict[str, Any]) -> str:
    raw = credential.get("rawId") or credential.get("id")
    if not isinstance(raw, str) or not raw:
        raise CeremonyError(INVALID)
    return raw
