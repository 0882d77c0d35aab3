"""Launch tokens: verifying the shell's EdDSA-signed JWS and turning it into a :class:`Resident`.

The shell signs every launch token with an Ed25519 key and publishes its public keys as a JWK Set
at ``<shell>/.well-known/jwks.json``. A :class:`KeyProvider` hands the verifier the parsed key for a
``kid``: :class:`StaticKeys` when the shell gives the keys in-process, :class:`RemoteJWKS` when the
app runs elsewhere and fetches them over HTTPS. Parsed keys are cached, so a verification costs one
signature check (tens of microseconds).
"""

from __future__ import annotations

import asyncio
import binascii
import ipaddress
import json
import logging
import re
import time
from collections import OrderedDict
from collections.abc import Mapping
from types import MappingProxyType
from typing import Any, Protocol, runtime_checkable
from urllib.parse import urlsplit

import httpx
import jwt
import jwt.utils
from jwt import PyJWK

from machi_sdk.resident import Resident
from machi_sdk.scopes import PROFILE_CLAIMS

log = logging.getLogger("machi_sdk.auth")

ALGORITHM = "EdDSA"
REQUIRED_CLAIMS = ("iss", "aud", "sub", "scope", "claims", "locale", "roles", "iat", "exp", "jti")
# BCP 47 without grandfathered tags; singletons allowed (ja-x-easy is Easy Japanese).
_LOCALE = re.compile(r"^[a-z]{2,3}(-[A-Za-z0-9]{1,8})*$")
_MAX_TOKEN_LENGTH = 8192


class TokenError(Exception):
    """A launch token was refused. ``reason`` says why, as a short code:

    ``missing``, ``malformed``, ``bad_header``, ``bad_algorithm``, ``unknown_kid``,
    ``bad_signature``, ``expired``, ``not_yet_valid``, ``wrong_audience``, ``wrong_issuer``,
    ``missing_claim``, ``bad_claim``.
    """

    def __init__(self, reason: str, detail: str = "") -> None:
        self.reason = reason
        self.detail = detail
        super().__init__(f"{reason}: {detail}" if detail else reason)


@runtime_checkable
class KeyProvider(Protocol):
    """Where the verifier finds the shell's public keys."""

    def key(self, kid: str) -> PyJWK | None:
        """The cached key with id ``kid``, or ``None``. Never does I/O."""
        ...

    async def akey(self, kid: str) -> PyJWK | None:
        """Like :meth:`key`, but may fetch the key set first (when stale, or ``kid`` is new)."""
        ...


def parse_jwks(jwks: Mapping[str, Any], *, strict: bool = True) -> dict[str, PyJWK]:
    """Parse the Ed25519 signing keys of a JWK Set into ``{kid: PyJWK}``.

    With ``strict`` a key that is not an Ed25519 signing key with a ``kid`` raises ``ValueError``;
    otherwise such keys are skipped (a remote set may carry keys for other uses).
    """
    keys = jwks.get("keys")
    if not isinstance(keys, list):
        raise ValueError("a JWK Set needs a 'keys' list")
    parsed: dict[str, PyJWK] = {}
    for entry in keys:
        problem = _jwk_problem(entry)
        if problem is None:
            try:
                parsed[entry["kid"]] = PyJWK(dict(entry), algorithm=ALGORITHM)
                continue
            except jwt.PyJWKError as exc:
                problem = f"cannot be read: {exc}"
        if strict:
            raise ValueError(
                f"key {entry.get('kid') if isinstance(entry, Mapping) else entry!r} {problem}"
            )
        log.warning("skipping a key of the JWK Set: %s", problem)
    return parsed


def _jwk_problem(entry: Any) -> str | None:
    if not isinstance(entry, Mapping):
        return "is not an object"
    if not isinstance(entry.get("kid"), str) or not entry["kid"]:
        return "has no 'kid'"
    if entry.get("kty") != "OKP" or entry.get("crv") != "Ed25519":
        return "is not an Ed25519 (OKP) key"
    if entry.get("alg", ALGORITHM) != ALGORITHM:
        return f"is not for {ALGORITHM}"
    if entry.get("use", "sig") != "sig":
        return "is not a signing key"
    if "d" in entry:
        return "contains a private part"
    return None


class StaticKeys:
    """Keys given in-process, e.g. the shell's own JWK Set when it mounts the app itself.

    Call :meth:`update` with the new set when the shell rotates its keys.
    """

    def __init__(self, jwks: Mapping[str, Any]) -> None:
        self._keys = MappingProxyType(parse_jwks(jwks))

    def update(self, jwks: Mapping[str, Any]) -> None:
        """Replace the keys at once with those of ``jwks``."""
        self._keys = MappingProxyType(parse_jwks(jwks))

    @property
    def kids(self) -> tuple[str, ...]:
        """The key ids known now."""
        return tuple(self._keys)

    def key(self, kid: str) -> PyJWK | None:
        """The key with id ``kid``, or ``None``."""
        return self._keys.get(kid)

    async def akey(self, kid: str) -> PyJWK | None:
        """The key with id ``kid``, or ``None`` (nothing to fetch)."""
        return self._keys.get(kid)


def _loopback(host: str) -> bool:
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class RemoteJWKS:
    """The shell's JWK Set fetched over HTTPS and cached for ``ttl`` seconds.

    A token with an unknown ``kid`` (the shell has just rotated) triggers a refetch, at most once
    every ``min_refetch_interval`` seconds so that junk tokens cannot make the app hammer the
    shell. If a fetch fails, the keys already known are kept. Plain ``http://`` is accepted only
    for loopback hosts (``localhost``, ``*.localhost``, ``127.0.0.1``) during development.
    """

    def __init__(
        self,
        url: str,
        ttl: float = 300,
        *,
        min_refetch_interval: float = 10,
        timeout: float = 5,
        client: httpx.AsyncClient | None = None,
    ) -> None:
        parts = urlsplit(url)
        if parts.scheme != "https" and not (
            parts.scheme == "http" and _loopback(parts.hostname or "")
        ):
            raise ValueError(f"the JWKS URL must use https:// (got {url!r})")
        self.url = url
        self.ttl = ttl
        self.min_refetch_interval = min_refetch_interval
        self.timeout = timeout
        self._client = client
        self._keys: Mapping[str, PyJWK] = MappingProxyType({})
        self._fetched_at = float("-inf")  # last successful fetch
        self._tried_at = float("-inf")  # last attempt, successful or not
        self._lock = asyncio.Lock()

    def key(self, kid: str) -> PyJWK | None:
        """The cached key with id ``kid``, or ``None``; never fetches."""
        return self._keys.get(kid)

    async def akey(self, kid: str) -> PyJWK | None:
        """The key with id ``kid``, fetching the set first when it is stale or ``kid`` is new."""
        now = time.monotonic()
        stale = now - self._fetched_at >= self.ttl
        unknown = kid not in self._keys
        if (stale or unknown) and now - self._tried_at >= self.min_refetch_interval:
            await self.refresh()
        return self._keys.get(kid)

    async def refresh(self) -> None:
        """Fetch the key set now (one fetch at a time); keep the old keys if it fails."""
        async with self._lock:
            now = time.monotonic()
            if now - self._tried_at < min(self.min_refetch_interval, self.ttl):
                return  # another task has just fetched
            self._tried_at = now
            try:
                data = await self._get()
                self._keys = MappingProxyType(parse_jwks(data, strict=False))
                self._fetched_at = now
            except (httpx.HTTPError, ValueError) as exc:
                log.warning("could not fetch the shell's keys from %s: %s", self.url, exc)

    async def _get(self) -> Any:
        if self._client is not None:
            response = await self._client.get(self.url, timeout=self.timeout)
        else:
            async with httpx.AsyncClient(timeout=self.timeout) as client:
                response = await client.get(self.url)
        response.raise_for_status()
        return response.json()


_ERRORS: tuple[tuple[type[Exception], str], ...] = (
    (jwt.ExpiredSignatureError, "expired"),
    (jwt.ImmatureSignatureError, "not_yet_valid"),
    (jwt.InvalidAudienceError, "wrong_audience"),
    (jwt.InvalidIssuerError, "wrong_issuer"),
    (jwt.MissingRequiredClaimError, "missing_claim"),
    (jwt.InvalidSignatureError, "bad_signature"),
    (jwt.InvalidAlgorithmError, "bad_algorithm"),
    (jwt.DecodeError, "malformed"),
    (jwt.InvalidTokenError, "bad_claim"),
)


class TokenVerifier:
    """Checks launch tokens for one app: signature, ``kid``, ``alg`` (EdDSA only), ``iss``, ``aud``,
    ``exp``/``iat`` (with ``leeway`` seconds for clock skew) and the shape of every claim.

    ``max_lifetime`` refuses tokens whose ``exp - iat`` is longer than the shell ever mints.

    A token that verified is remembered (up to ``remember`` of them) until it expires: the page
    and every htmx request of one launch carry the same token, and checking its signature once
    is enough. A token's verdict cannot change while it lives: its content is what was signed.
    """

    def __init__(
        self,
        issuer: str,
        audience: str,
        keys: KeyProvider,
        *,
        leeway: float = 30,
        max_lifetime: int = 900,
        remember: int = 4096,
    ) -> None:
        if leeway > 30:
            raise ValueError("leeway above 30 seconds is refused")
        self.issuer = issuer.rstrip("/")
        self.audience = audience
        self.keys = keys
        self.leeway = leeway
        self.max_lifetime = max_lifetime
        self.remember = remember
        self._verified: OrderedDict[str, Resident] = OrderedDict()
        self._options: jwt.types.Options = {
            "require": list(REQUIRED_CLAIMS),
            "strict_aud": True,
            "verify_signature": True,
            "verify_exp": True,
            "verify_iat": True,
            "verify_iss": True,
            "verify_aud": True,
            "verify_sub": True,
            "verify_jti": True,
        }

    def verify(self, token: str) -> Resident:
        """Verify ``token`` with the keys already cached; raise :class:`TokenError` if refused."""
        known = self._known(token)
        if known is not None:
            return known
        kid = self._kid(token)
        return self._keep(self._decode(token, self.keys.key(kid)))

    async def averify(self, token: str) -> Resident:
        """Verify ``token``, letting the key provider fetch an unknown or stale key set first."""
        known = self._known(token)
        if known is not None:
            return known
        kid = self._kid(token)
        return self._keep(self._decode(token, await self.keys.akey(kid)))

    def _known(self, token: str) -> Resident | None:
        resident = self._verified.get(token) if isinstance(token, str) else None
        if resident is None:
            return None
        if time.time() > resident.expires_at + self.leeway:
            del self._verified[token]
            return None  # verified again below, which says "expired"
        return resident

    def _keep(self, resident: Resident) -> Resident:
        self._verified[resident.token] = resident
        while len(self._verified) > self.remember:
            self._verified.popitem(last=False)
        return resident

    def _kid(self, token: str) -> str:
        if not token:
            raise TokenError("missing")
        if not isinstance(token, str) or len(token) > _MAX_TOKEN_LENGTH or token.count(".") != 2:
            raise TokenError("malformed", "not a compact JWS")
        try:  # only the header, cheaply: PyJWT parses the whole token again when it verifies
            header = json.loads(jwt.utils.base64url_decode(token.partition(".")[0]))
        except (ValueError, TypeError, binascii.Error):
            raise TokenError("malformed", "unreadable header") from None
        if not isinstance(header, dict):
            raise TokenError("malformed", "the header is not an object")
        if header.get("alg") != ALGORITHM:
            raise TokenError("bad_algorithm", f"alg must be {ALGORITHM}")
        if header.get("typ", "JWT") != "JWT":
            raise TokenError("bad_header", "typ must be JWT")
        kid = header.get("kid")
        if not isinstance(kid, str) or not kid:
            raise TokenError("bad_header", "no kid")
        return kid

    def _decode(self, token: str, key: PyJWK | None) -> Resident:
        if key is None:
            raise TokenError("unknown_kid")
        try:
            payload = jwt.decode(
                token,
                key,
                algorithms=[ALGORITHM],
                audience=self.audience,
                issuer=self.issuer,
                leeway=self.leeway,
                options=self._options,
            )
        except jwt.InvalidTokenError as exc:
            for kind, reason in _ERRORS:
                if isinstance(exc, kind):
                    raise TokenError(reason, str(exc)) from None
            raise TokenError("bad_claim", str(exc)) from None  # pragma: no cover
        return self._resident(payload, token)

    def _resident(self, payload: Mapping[str, Any], token: str) -> Resident:
        sub, scope, claims = payload["sub"], payload["scope"], payload["claims"]
        locale, roles, iat, exp = (
            payload["locale"],
            payload["roles"],
            payload["iat"],
            payload["exp"],
        )
        if not isinstance(sub, str) or not sub:
            raise TokenError("bad_claim", "sub must be a non-empty string")
        if not isinstance(scope, str):
            raise TokenError("bad_claim", "scope must be a space-separated string")
        scopes = frozenset(scope.split())
        if not isinstance(claims, dict):
            raise TokenError("bad_claim", "claims must be an object")
        for name in claims:
            if name not in PROFILE_CLAIMS or name not in scopes:
                raise TokenError("bad_claim", f"claim {name!r} was not granted")
        if not isinstance(locale, str) or not _LOCALE.match(locale):
            raise TokenError("bad_claim", "locale must be a language code")
        if not isinstance(roles, list) or not all(isinstance(r, str) for r in roles):
            raise TokenError("bad_claim", "roles must be a list of strings")
        if not isinstance(iat, int) or not isinstance(exp, int):
            raise TokenError("bad_claim", "iat and exp must be integers")
        if exp - iat > self.max_lifetime:
            raise TokenError("bad_claim", f"lifetime over {self.max_lifetime} s")
        return Resident(
            id=sub,
            scopes=scopes,
            claims=MappingProxyType(dict(claims)),
            locale=locale,
            roles=frozenset(roles),
            app_id=self.audience,
            expires_at=exp,
            token=token,
        )
