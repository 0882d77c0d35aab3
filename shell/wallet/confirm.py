"""Confirming a payment with the resident's passkey, above the city's threshold.

The challenge is bound to this browser's session and to what is being paid (shop, amount,
idempotency key): an assertion made for one payment cannot approve another."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from webauthn import generate_authentication_options, options_to_json
from webauthn.helpers import base64url_to_bytes
from webauthn.helpers.structs import PublicKeyCredentialDescriptor, UserVerificationRequirement

from shell.identity import passkeys
from shell.identity import queries as identity_queries
from shell.identity.passkeys import CHALLENGE_SECONDS, CeremonyError
from shell.identity.tables import Passkey
from shell.settings import Settings
from shell.wallet.ledger import Refused

PURPOSE = "wallet_pay"


async def options(
    settings: Settings, *, account_id: int, nonce: str, merchant_id: int, amount: int, key: str
) -> str:
    """Options JSON for ``navigator.credentials.get``, limited to the resident's own passkeys."""
    mine = await identity_queries.passkeys_of(account_id)
    generated = generate_authentication_options(
        rp_id=settings.rp_id,
        allow_credentials=[
            PublicKeyCredentialDescriptor(id=base64url_to_bytes(p["credential_id"])) for p in mine
        ],
        user_verification=UserVerificationRequirement.REQUIRED,
        timeout=CHALLENGE_SECONDS * 1000,
    )
    payload = {"merchant": merchant_id, "amount": amount, "key": key}
    await passkeys._store_challenge(generated.challenge, PURPOSE, nonce, account_id, payload)
    return options_to_json(generated)


async def check(
    settings: Settings, credential_text: str, *, account_id: int, nonce: str,
    merchant_id: int, amount: int, key: str,
) -> None:  # fmt: skip
    """The assertion is this resident's, fresh, for exactly this payment; else ``Refused``."""
    try:
        credential: dict[str, Any] = json.loads(credential_text)
        row = await passkeys.consume_challenge(credential, purpose=PURPOSE, nonce=nonce)
        passkey = await identity_queries.passkey_by_credential(
            passkeys.credential_id_of(credential)
        )
        if passkey is None or passkey["account"] != account_id or row["account"] != account_id:
            raise Refused("passkey_failed")
        if row["payload"] != {"merchant": merchant_id, "amount": amount, "key": key}:
            raise Refused("passkey_failed")
        count = passkeys.verify_assertion(settings, credential, row, passkey)
    except (ValueError, TypeError, CeremonyError) as exc:
        raise Refused("passkey_failed") from exc
    await Passkey.update(
        {Passkey.sign_count: count, Passkey.last_used_at: dt.datetime.now(dt.UTC)}
    ).where(Passkey.id == passkey["id"])
