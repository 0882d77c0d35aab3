"""Who is calling: the app by its client credentials, the resident by their launch token.

Client secrets are 256 random bits, so a slow password hash (scrypt) would add nothing against
guessing and would cost tens of milliseconds of CPU on every call; only an HMAC-SHA256 of the
secret under the city's secret is stored, which also makes a leaked table useless without the
server's secret. Changing ``MACHI_SECRET_KEY`` therefore invalidates every credential (as it
changes every pairwise id): rotate credentials after it.
"""

from __future__ import annotations

import binascii
import hmac
from base64 import b64decode
from dataclasses import dataclass

from machi_sdk.auth import TokenError, TokenVerifier

from shell.miniapp_host.keys import ShellKeys
from shell.miniapp_host.queries import grant_for_subject
from shell.platform_api import errors
from shell.platform_api.queries import active_credential


def hash_secret(city_secret: str, client_secret: str) -> str:
    digest = hmac.new(city_secret.encode(), f"platform-client:{client_secret}".encode(), "sha256")
    return digest.hexdigest()


def basic_credentials(authorization: str) -> tuple[str, str] | None:
    """``(client_id, client_secret)`` from an ``Authorization: Basic …`` header, or ``None``."""
    scheme, _, encoded = authorization.partition(" ")
    if scheme.lower() != "basic" or not encoded:
        return None
    try:
        decoded = b64decode(encoded.strip(), validate=True).decode()
    except (binascii.Error, UnicodeDecodeError):
        return None
    client_id, colon, secret = decoded.partition(":")
    return (client_id, secret) if colon and client_id and secret else None


async def authenticate_app(authorization: str, city_secret: str) -> str:
    """The app id the credentials belong to; :class:`errors.Refused` (401) if they do not."""
    credentials = basic_credentials(authorization)
    if credentials is None:
        raise errors.unauthorized()
    client_id, secret = credentials
    row = await active_credential(client_id)
    if row is None or not hmac.compare_digest(row["secret_hash"], hash_secret(city_secret, secret)):
        raise errors.unauthorized("the client id is unknown or revoked, or the secret is wrong")
    return str(row["app_id"])


@dataclass(frozen=True)
class Caller:
    """The resident a call is made for: their account (never shown to the app) and the scopes
    both their token and their grant hold now."""

    app_id: str
    account_id: int
    subject: str
    scopes: frozenset[str]
    roles: frozenset[str] = frozenset()  # staff roles the launch token carries (checked again)

    def need(self, scope: str) -> None:
        if scope not in self.scopes:
            raise errors.scope_missing(scope)


async def caller_for(
    app_id: str, subject: str, token_scopes: frozenset[str], roles: frozenset[str] = frozenset()
) -> Caller:
    """Check the resident's grant to ``app_id`` is active now: revoking stops calls at once."""
    grant = await grant_for_subject(app_id, subject)
    if grant is None:
        raise errors.not_granted()
    scopes = token_scopes & frozenset(grant["scopes"])
    return Caller(
        app_id=app_id, account_id=grant["account"], subject=subject, scopes=scopes, roles=roles
    )


async def caller_for_subject(app_id: str, subject: str) -> Caller:
    """The resident behind a pairwise id the app kept, with the scopes of their grant now
    (for calls an app makes later, without a launch token: a reminder, a receipt)."""
    grant = await grant_for_subject(app_id, subject)
    if grant is None:
        raise errors.not_granted()
    return Caller(
        app_id=app_id,
        account_id=grant["account"],
        subject=subject,
        scopes=frozenset(grant["scopes"]),
    )


class ResidentTokens:
    """Verifies launch tokens for any app with the shell's own keys (one verifier per app)."""

    def __init__(self, issuer: str) -> None:
        self.issuer = issuer
        self.keys = ShellKeys()
        self._verifiers: dict[str, TokenVerifier] = {}

    async def caller(self, app_id: str, token: str) -> Caller:
        verifier = self._verifiers.get(app_id)
        if verifier is None:
            verifier = self._verifiers[app_id] = TokenVerifier(self.issuer, app_id, self.keys)
        try:
            resident = await verifier.averify(token)
        except TokenError as exc:
            raise errors.invalid_token(exc.reason) from None
        return await caller_for(app_id, resident.id, resident.scopes, resident.roles)
