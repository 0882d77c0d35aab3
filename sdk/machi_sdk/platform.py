"""The Platform API: what a mini-app asks the shell to do for a resident.

One interface, :class:`Platform`, with two transports:

- :class:`InProcessPlatform` for first-party apps mounted inside the shell's process: the shell
  hands it async functions that do the work directly.
- :class:`HTTPSPlatform` for partner apps running elsewhere: calls ``<shell>/api/v1/...`` with the
  app's client credentials and, for calls on a resident's behalf, the resident's launch token.

A handler receives the app's platform as its ``platform`` parameter. Every call that needs a scope
checks it first and raises :class:`PlatformError` (``code="scope_missing"``) without calling the
shell; the shell checks again, because a resident can revoke a grant at any time.
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any, Protocol, runtime_checkable
from urllib.parse import quote, urlsplit

import httpx

from machi_sdk.resident import Resident

_STORAGE_KEY = re.compile(r"^[A-Za-z0-9_.-]{1,64}$")
_KPI = re.compile(r"^[a-z][a-z0-9_.-]{0,40}$")


class PlatformError(Exception):
    """A Platform call failed. ``code`` is short and stable (``scope_missing``, ``invalid``,
    ``unavailable``, ``quota_exceeded``, ``http_<status>``…); the message is for logs."""

    def __init__(self, code: str, message: str = "") -> None:
        self.code = code
        super().__init__(f"{code}: {message}" if message else code)


class _ClassCheckedProtocol(type(Protocol)):  # type: ignore[misc]
    """``isinstance(x, Platform)`` runs on every request whose handler takes ``platform`` (Litestar
    checks a dependency against its annotation), and on Python 3.11 a runtime protocol walks all
    its members each time. A class that has every member itself passes for all its instances, so
    once one of them passed, the class is remembered; anything else is checked as before."""

    def __instancecheck__(cls, instance: Any) -> bool:
        kind = type(instance)
        passed = _PASSED.setdefault(cls, set())
        if kind in passed:
            return True
        answer = bool(super().__instancecheck__(instance))
        members = [name for name in cls.__dict__ if not name.startswith("_")]
        if answer and all(callable(getattr(kind, name, None)) for name in members):
            passed.add(kind)
        return answer


_PASSED: dict[type, set[type]] = {}


@runtime_checkable
class Platform(Protocol, metaclass=_ClassCheckedProtocol):
    """What a mini-app can ask of the shell. All methods are coroutines."""

    async def profile(self, resident: Resident) -> dict[str, Any]:
        """The resident's current profile claims, only those granted (fresher than the token)."""
        ...

    async def notify(
        self, resident: Resident | str, title: str, body: str, url: str | None = None
    ) -> None:
        """Send the resident a notification (needs ``notify``); ``url`` is a path of this app.

        ``resident`` is the :class:`Resident` of the current request, or a pairwise id
        (``resident.id``) the app stored earlier, to notify later from a job: a reminder, a
        receipt. The resident reads it in their inbox and gets a push on their devices. The shell
        allows a few a day per resident (``quota_exceeded`` beyond); a resident who muted the app
        receives nothing, and the call still succeeds.
        """
        ...

    async def storage_get(self, resident: Resident, key: str) -> Any:
        """The JSON value stored for the resident under ``key``, or ``None`` (needs ``storage``)."""
        ...

    async def storage_set(self, resident: Resident, key: str, value: Any) -> None:
        """Store a JSON value for the resident under ``key`` (needs ``storage``)."""
        ...

    async def kpi(self, name: str, value: int = 1) -> None:
        """Add ``value`` to the app's KPI counter ``name`` (declared in the manifest's ``kpis``)."""
        ...

    async def request_payment(
        self, resident: Resident, amount: int, description: str, reference: str
    ) -> dict[str, Any]:
        """Ask the resident to pay ``amount`` yen (needs ``wallet.pay``); nothing moves yet.

        Returns ``{"id", "status", "amount", "description", "reference", "confirm_url"}`` with
        ``status`` ``"pending"``. The resident confirms in a sheet the shell draws: send them to
        ``confirm_url``, or call ``machi.pay({amount, description, reference})`` from the page
        with the same values. ``reference`` is the app's own unique id for this payment (an order
        number): asking again with it returns the same request, never a second charge. When the
        resident has paid, the shell sends the app's webhook URL a ``payment.succeeded`` event
        signed the Standard Webhooks way (see :func:`machi_sdk.webhooks.verify`).
        """
        ...

    async def refund_payment(
        self, reference: str, amount: int, refund_reference: str
    ) -> dict[str, Any]:
        """Give back ``amount`` yen of the paid request the app made with ``reference``, to the
        cash and points it was paid from; the resident gets a receipt. ``refund_reference`` is the
        app's own id for this refund: asking again with it refunds once. Never more than was paid
        (less earlier refunds): ``PlatformError("invalid")`` otherwise, or when the request is not
        paid. Answers ``{"id", "status", "amount", "refunded", "reference"}``; needs no resident
        at hand (staff refusing a booking refund it)."""
        ...

    async def audit(
        self,
        resident: Resident,
        action: str,
        subject: str,
        detail: Mapping[str, Any] | None = None,
    ) -> None:
        """Record in the city's audit log that the staff member behind this launch did ``action``
        (a short dotted name such as ``"child.view"``) to ``subject`` (a record reference, or a
        resident's pairwise id, which the shell files under that resident).

        Call it whenever staff read or change a person's record: residents and auditors can then
        see who looked. Only a launch that carries one of the app's staff roles may write; the
        shell checks the person still holds a staff role.
        """
        ...

    async def translate(self, texts: Sequence[str], target: str, source: str = "ja") -> list[str]:
        """``texts`` machine-translated from ``source`` into ``target`` (language codes such as
        ``"vi"``, ``"zh-Hans"``, ``"pt-BR"``), one answer per text, in order.

        The city's translation memory (corrections its staff made) is used first, then its
        engine. Raises ``PlatformError("unavailable")`` when the city runs no engine: show that,
        and let staff translate by hand. Show machine translations to staff to check before
        residents read them.
        """
        ...

    async def remember_translation(
        self, resident: Resident, source_text: str, target: str, text: str, source: str = "ja"
    ) -> None:
        """Keep ``text``, which a staff member wrote or corrected, as the city's translation of
        ``source_text`` into ``target``: a later :meth:`translate` of the same text (by this app,
        another app or the shell) answers it instead of the engine's.

        Call it when staff correct a machine translation in the app. Only a launch that carries
        one of the app's staff roles (which the person still holds) may write:
        ``PlatformError("forbidden")`` otherwise.
        """
        ...


_AUDIT_ACTION = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z0-9_]+){0,4}$")
_LANGUAGE = re.compile(r"^[a-z]{2,3}(-[A-Za-z0-9]{1,8}){0,3}$")
MAX_TRANSLATE_TEXTS = 50
MAX_TRANSLATE_CHARS = 5000


def _check_audit(resident: Resident, action: str, subject: str, detail: Any) -> None:
    if not resident.roles:
        raise PlatformError("forbidden", "only a launch with a staff role may write the audit log")
    if not _AUDIT_ACTION.match(action) or len(action) > 40:
        raise PlatformError("invalid", "action is a dotted lower-case name, e.g. 'child.view'")
    if not subject or len(subject) > 100:
        raise PlatformError("invalid", "subject must be 1 to 100 characters")
    if detail is not None:
        _check_json(dict(detail))
        if len(json.dumps(dict(detail))) > 2000:
            raise PlatformError("invalid", "detail must be at most 2000 characters of JSON")


def _check_refund(reference: str, amount: int, refund_reference: str) -> None:
    if not isinstance(amount, int) or isinstance(amount, bool) or not 0 < amount <= 1_000_000:
        raise PlatformError("invalid", "amount is whole yen, 1 to 1,000,000")
    for name, value in (("reference", reference), ("refund_reference", refund_reference)):
        if not isinstance(value, str) or not value or len(value) > 100:
            raise PlatformError("invalid", f"{name} must be 1 to 100 characters")


def _check_translate(texts: Sequence[str], target: str, source: str) -> list[str]:
    if isinstance(texts, str):
        raise PlatformError("invalid", "texts is a list of strings, not one string")
    items = list(texts)
    if not 0 < len(items) <= MAX_TRANSLATE_TEXTS:
        raise PlatformError("invalid", f"translate 1 to {MAX_TRANSLATE_TEXTS} texts at a time")
    if any(not isinstance(t, str) or len(t) > MAX_TRANSLATE_CHARS for t in items):
        raise PlatformError("invalid", f"each text is a string of at most {MAX_TRANSLATE_CHARS}")
    for code in (target, source):
        if not isinstance(code, str) or not _LANGUAGE.match(code):
            raise PlatformError("invalid", f"{code!r} is not a language code")
    return items


def _check_remember(
    resident: Resident, source_text: str, target: str, text: str, source: str
) -> None:
    if not resident.roles:
        raise PlatformError("forbidden", "only a launch with a staff role may correct translations")
    for name, value in (("source_text", source_text), ("text", text)):
        if not isinstance(value, str) or not value.strip() or len(value) > MAX_TRANSLATE_CHARS:
            raise PlatformError("invalid", f"{name} must be 1 to {MAX_TRANSLATE_CHARS} characters")
    for code in (target, source):
        if not isinstance(code, str) or not _LANGUAGE.match(code):
            raise PlatformError("invalid", f"{code!r} is not a language code")
    if target == source:
        raise PlatformError("invalid", "a translation is into another language than its source")


def _need(resident: Resident, scope: str) -> None:
    if not resident.has(scope):
        raise PlatformError("scope_missing", f"the resident has not granted {scope!r}")


def _check_notification(title: str, body: str, url: str | None) -> None:
    if not title.strip() or len(title) > 100:
        raise PlatformError("invalid", "title must be 1 to 100 characters")
    if len(body) > 1000:
        raise PlatformError("invalid", "body must be at most 1000 characters")
    if url is not None and not (url.startswith("/") and not url.startswith("//")):
        raise PlatformError("invalid", "url must be a path of this app, starting with '/'")


def _check_key(key: str) -> None:
    if not _STORAGE_KEY.match(key):
        raise PlatformError("invalid", "a storage key is 1 to 64 letters, digits, '_', '.' or '-'")


def _check_kpi(name: str, value: int) -> None:
    if not _KPI.match(name):
        raise PlatformError("invalid", f"{name!r} is not a KPI id")
    if not isinstance(value, int) or isinstance(value, bool):
        raise PlatformError("invalid", "a KPI value is an integer")


def _check_payment(amount: int, description: str, reference: str) -> None:
    if not isinstance(amount, int) or isinstance(amount, bool) or not 0 < amount <= 1_000_000:
        raise PlatformError("invalid", "amount is whole yen, 1 to 1,000,000")
    if not description.strip() or len(description) > 200:
        raise PlatformError("invalid", "description must be 1 to 200 characters")
    if not reference or len(reference) > 100:
        raise PlatformError("invalid", "reference must be 1 to 100 characters")


def _check_json(value: Any) -> None:
    try:
        json.dumps(value, allow_nan=False)
    except (TypeError, ValueError) as exc:
        raise PlatformError("invalid", f"the value is not JSON: {exc}") from None


class InProcessPlatform:
    """The Platform for an app mounted in the shell's own process.

    The shell passes one async function per call; each receives the app id first, then the
    resident (or the KPI name) and the call's arguments::

        profile(app_id, resident) -> Mapping[str, Any]
        notify(app_id, resident, title, body, url) -> None
        storage_get(app_id, resident, key) -> Any | None
        storage_set(app_id, resident, key, value) -> None
        kpi(app_id, name, value) -> None
        request_payment(app_id, resident, amount, description, reference) -> dict (optional)
        refund_payment(app_id, reference, amount, refund_reference) -> dict (optional)
        audit(app_id, resident, action, subject, detail) -> None (optional)
        translate(app_id, texts, target, source) -> list[str] (optional)
        remember_translation(app_id, resident, source_text, target, text, source) -> None
            (optional)
    """

    def __init__(
        self,
        app_id: str,
        *,
        profile: Callable[[str, Resident], Awaitable[Mapping[str, Any]]],
        notify: Callable[[str, Resident | str, str, str, str | None], Awaitable[None]],
        storage_get: Callable[[str, Resident, str], Awaitable[Any]],
        storage_set: Callable[[str, Resident, str, Any], Awaitable[None]],
        kpi: Callable[[str, str, int], Awaitable[None]],
        request_payment: Callable[[str, Resident, int, str, str], Awaitable[dict[str, Any]]]
        | None = None,
        refund_payment: Callable[[str, str, int, str], Awaitable[dict[str, Any]]] | None = None,
        audit: Callable[[str, Resident, str, str, dict[str, Any] | None], Awaitable[None]]
        | None = None,
        translate: Callable[[str, list[str], str, str], Awaitable[list[str]]] | None = None,
        remember_translation: Callable[[str, Resident, str, str, str, str], Awaitable[None]]
        | None = None,
    ) -> None:
        self.app_id = app_id
        self._remember_translation = remember_translation
        self._request_payment = request_payment
        self._refund_payment = refund_payment
        self._audit = audit
        self._translate = translate
        self._profile = profile
        self._notify = notify
        self._storage_get = storage_get
        self._storage_set = storage_set
        self._kpi = kpi

    async def profile(self, resident: Resident) -> dict[str, Any]:
        """The resident's granted profile claims, as the shell has them now."""
        return dict(await self._profile(self.app_id, resident))

    async def notify(
        self, resident: Resident | str, title: str, body: str, url: str | None = None
    ) -> None:
        """Send the resident (or the stored pairwise id) a notification (needs ``notify``)."""
        if isinstance(resident, Resident):
            _need(resident, "notify")
        elif not resident:
            raise PlatformError("invalid", "a pairwise id is needed")
        _check_notification(title, body, url)
        await self._notify(self.app_id, resident, title, body, url)

    async def storage_get(self, resident: Resident, key: str) -> Any:
        """The value stored for the resident under ``key``, or ``None`` (needs ``storage``)."""
        _need(resident, "storage")
        _check_key(key)
        return await self._storage_get(self.app_id, resident, key)

    async def storage_set(self, resident: Resident, key: str, value: Any) -> None:
        """Store ``value`` (JSON) for the resident under ``key`` (needs ``storage``)."""
        _need(resident, "storage")
        _check_key(key)
        _check_json(value)
        await self._storage_set(self.app_id, resident, key, value)

    async def kpi(self, name: str, value: int = 1) -> None:
        """Add ``value`` to the KPI counter ``name``."""
        _check_kpi(name, value)
        await self._kpi(self.app_id, name, value)

    async def request_payment(
        self, resident: Resident, amount: int, description: str, reference: str
    ) -> dict[str, Any]:
        """Ask the resident to pay (needs ``wallet.pay``); see :meth:`Platform.request_payment`."""
        _need(resident, "wallet.pay")
        _check_payment(amount, description, reference)
        if self._request_payment is None:
            raise PlatformError("unavailable", "payments are not available in this shell")
        answer = await self._request_payment(self.app_id, resident, amount, description, reference)
        return dict(answer)

    async def refund_payment(
        self, reference: str, amount: int, refund_reference: str
    ) -> dict[str, Any]:
        """Refund a paid request; see :meth:`Platform.refund_payment`."""
        _check_refund(reference, amount, refund_reference)
        if self._refund_payment is None:
            raise PlatformError("unavailable", "payments are not available in this shell")
        return dict(await self._refund_payment(self.app_id, reference, amount, refund_reference))

    async def audit(
        self,
        resident: Resident,
        action: str,
        subject: str,
        detail: Mapping[str, Any] | None = None,
    ) -> None:
        """Record a staff member's access in the audit log; see :meth:`Platform.audit`."""
        _check_audit(resident, action, subject, detail)
        if self._audit is None:
            raise PlatformError("unavailable", "the audit log is not available in this shell")
        await self._audit(self.app_id, resident, action, subject, dict(detail or {}) or None)

    async def translate(self, texts: Sequence[str], target: str, source: str = "ja") -> list[str]:
        """Machine translation; see :meth:`Platform.translate`."""
        items = _check_translate(texts, target, source)
        if self._translate is None:
            raise PlatformError("unavailable", "no translation engine in this shell")
        return _check_translated(await self._translate(self.app_id, items, target, source), items)

    async def remember_translation(
        self, resident: Resident, source_text: str, target: str, text: str, source: str = "ja"
    ) -> None:
        """Keep a staff member's translation; see :meth:`Platform.remember_translation`."""
        _check_remember(resident, source_text, target, text, source)
        if self._remember_translation is None:
            raise PlatformError("unavailable", "no translation memory in this shell")
        await self._remember_translation(self.app_id, resident, source_text, target, text, source)


class HTTPSPlatform:
    """The Platform API over HTTPS, for partner apps that run on their own servers.

    Every request carries ``Authorization: Basic <client_id:client_secret>`` (the credentials the
    developer portal issues); calls on a resident's behalf also carry the resident's launch token
    in ``Machi-Resident-Token``. The endpoints (under ``base_url``, the shell's URL):

    - ``profile``: ``GET /api/v1/profile`` answers the claims object.
    - ``notify``: ``POST /api/v1/notifications`` with ``{"title", "body", "url"}``, or for a
      stored pairwise id without a token ``POST /api/v1/residents/{id}/notifications``.
    - ``storage_get``: ``GET /api/v1/storage/{key}`` answers ``{"value": ...}``, or 404 when unset.
    - ``storage_set``: ``PUT /api/v1/storage/{key}`` with ``{"value": ...}``.
    - ``kpi``: ``POST /api/v1/kpis/{name}`` with ``{"value": n}``.
    - ``request_payment``: ``POST /api/v1/payments`` with ``{"amount", "description",
      "reference"}``; ``GET /api/v1/payments/{id}`` reads a request's status.
    - ``refund_payment``: ``POST /api/v1/refunds`` with ``{"reference", "amount",
      "refund_reference"}`` (client credentials only).
    - ``audit``: ``POST /api/v1/audit`` with ``{"action", "subject", "detail"}``.
    - ``translate``: ``POST /api/v1/translations`` with ``{"texts", "target", "source"}``
      answers ``{"texts": [...]}`` (client credentials only).
    - ``remember_translation``: ``POST /api/v1/translations/memory`` with ``{"source_text",
      "target", "text", "source"}`` (a staff launch's token).

    Errors answer ``{"error": {"code": …, "message": …}}`` and raise :class:`PlatformError`.

    The shell's OpenAPI document is at ``<shell>/schema/openapi.json``.
    """

    def __init__(
        self,
        base_url: str,
        client_id: str,
        client_secret: str,
        *,
        timeout: float = 10,
        client: httpx.AsyncClient | None = None,
    ) -> None:
        parts = urlsplit(base_url)
        host = parts.hostname or ""
        local = host in ("localhost", "127.0.0.1", "::1") or host.endswith(".localhost")
        if parts.scheme != "https" and not (parts.scheme == "http" and local):
            raise ValueError(f"the Platform API URL must use https:// (got {base_url!r})")
        self.base_url = base_url.rstrip("/")
        self.client_id = client_id
        credentials = base64.b64encode(f"{client_id}:{client_secret}".encode()).decode()
        self._auth = f"Basic {credentials}"
        self.timeout = timeout
        self._client = client

    async def profile(self, resident: Resident) -> dict[str, Any]:
        """``GET /api/v1/profile``: the resident's granted profile claims."""
        data = await self._call("GET", "/api/v1/profile", resident=resident)
        if not isinstance(data, dict):
            raise PlatformError("invalid_response", "the profile is not an object")
        return data

    async def notify(
        self, resident: Resident | str, title: str, body: str, url: str | None = None
    ) -> None:
        """``POST /api/v1/notifications`` with the resident's token, or for a stored pairwise id
        ``POST /api/v1/residents/{id}/notifications`` (needs ``notify``)."""
        _check_notification(title, body, url)
        payload = {"title": title, "body": body, "url": url}
        if isinstance(resident, Resident):
            _need(resident, "notify")
            await self._call("POST", "/api/v1/notifications", resident=resident, json_body=payload)
            return
        if not resident:
            raise PlatformError("invalid", "a pairwise id is needed")
        path = f"/api/v1/residents/{quote(resident, safe='')}/notifications"
        await self._call("POST", path, json_body=payload)

    async def storage_get(self, resident: Resident, key: str) -> Any:
        """``GET /api/v1/storage/{key}`` (needs ``storage``); ``None`` when nothing is stored."""
        _need(resident, "storage")
        _check_key(key)
        data = await self._call(
            "GET", f"/api/v1/storage/{quote(key)}", resident=resident, missing_ok=True
        )
        if data is None:
            return None
        if not isinstance(data, dict) or "value" not in data:
            raise PlatformError("invalid_response", "expected {'value': ...}")
        return data["value"]

    async def storage_set(self, resident: Resident, key: str, value: Any) -> None:
        """``PUT /api/v1/storage/{key}`` with ``{"value": value}`` (needs ``storage``)."""
        _need(resident, "storage")
        _check_key(key)
        _check_json(value)
        await self._call(
            "PUT", f"/api/v1/storage/{quote(key)}", resident=resident, json_body={"value": value}
        )

    async def kpi(self, name: str, value: int = 1) -> None:
        """``POST /api/v1/kpis/{name}`` with ``{"value": value}``."""
        _check_kpi(name, value)
        await self._call("POST", f"/api/v1/kpis/{quote(name)}", json_body={"value": value})

    async def request_payment(
        self, resident: Resident, amount: int, description: str, reference: str
    ) -> dict[str, Any]:
        """``POST /api/v1/payments`` with ``{"amount", "description", "reference"}`` (needs
        ``wallet.pay``); answers the pending request with its ``confirm_url``."""
        _need(resident, "wallet.pay")
        _check_payment(amount, description, reference)
        body = {"amount": amount, "description": description, "reference": reference}
        data = await self._call("POST", "/api/v1/payments", resident=resident, json_body=body)
        if not isinstance(data, dict):
            raise PlatformError("invalid_response", "the payment request is not an object")
        return data

    async def refund_payment(
        self, reference: str, amount: int, refund_reference: str
    ) -> dict[str, Any]:
        """``POST /api/v1/refunds``: give back all or part of a paid request."""
        _check_refund(reference, amount, refund_reference)
        body = {"reference": reference, "amount": amount, "refund_reference": refund_reference}
        data = await self._call("POST", "/api/v1/refunds", json_body=body)
        if not isinstance(data, dict):
            raise PlatformError("invalid_response", "the refund is not an object")
        return data

    async def audit(
        self,
        resident: Resident,
        action: str,
        subject: str,
        detail: Mapping[str, Any] | None = None,
    ) -> None:
        """``POST /api/v1/audit`` with ``{"action", "subject", "detail"}`` (staff launches only)."""
        _check_audit(resident, action, subject, detail)
        body = {"action": action, "subject": subject, "detail": dict(detail or {})}
        await self._call("POST", "/api/v1/audit", resident=resident, json_body=body)

    async def translate(self, texts: Sequence[str], target: str, source: str = "ja") -> list[str]:
        """``POST /api/v1/translations``: one translation per text, in order."""
        items = _check_translate(texts, target, source)
        body = {"texts": items, "target": target, "source": source}
        data = await self._call("POST", "/api/v1/translations", json_body=body)
        if not isinstance(data, dict):
            raise PlatformError("invalid_response", "expected {'texts': [...]}")
        return _check_translated(data.get("texts"), items)

    async def remember_translation(
        self, resident: Resident, source_text: str, target: str, text: str, source: str = "ja"
    ) -> None:
        """``POST /api/v1/translations/memory``: keep a staff member's translation."""
        _check_remember(resident, source_text, target, text, source)
        body = {"source_text": source_text, "target": target, "text": text, "source": source}
        await self._call("POST", "/api/v1/translations/memory", resident=resident, json_body=body)

    async def _call(
        self,
        method: str,
        path: str,
        *,
        resident: Resident | None = None,
        json_body: Any = None,
        missing_ok: bool = False,
    ) -> Any:
        headers = {"Authorization": self._auth, "Accept": "application/json"}
        if resident is not None:
            if not resident.token:
                raise PlatformError("invalid", "this resident has no launch token to act with")
            headers["Machi-Resident-Token"] = resident.token
        url = self.base_url + path
        try:
            if self._client is not None:
                response = await self._client.request(
                    method, url, headers=headers, json=json_body, timeout=self.timeout
                )
            else:
                async with httpx.AsyncClient(timeout=self.timeout) as client:
                    response = await client.request(method, url, headers=headers, json=json_body)
        except httpx.HTTPError as exc:
            raise PlatformError("unavailable", str(exc)) from None
        if missing_ok and response.status_code == 404:
            return None
        if response.is_success:
            return response.json() if response.content else None
        raise _error_from(response)


def _check_translated(answer: Any, asked: list[str]) -> list[str]:
    if not isinstance(answer, list) or len(answer) != len(asked):
        raise PlatformError("invalid_response", "expected one translation per text")
    if not all(isinstance(text, str) for text in answer):
        raise PlatformError("invalid_response", "a translation is not a string")
    return answer


def _error_from(response: httpx.Response) -> PlatformError:
    try:
        error = response.json().get("error", {})
        return PlatformError(str(error["code"]), str(error.get("message", "")))
    except (ValueError, AttributeError, KeyError, TypeError):
        return PlatformError(f"http_{response.status_code}", response.reason_phrase)


class NoPlatform:
    """The platform of an app built without one: every call raises ``PlatformError("unavailable")``.

    It makes a missing configuration fail loudly at the call rather than at start-up.
    """

    async def profile(self, resident: Resident) -> dict[str, Any]:
        """Raises ``PlatformError("unavailable")``."""
        raise PlatformError("unavailable", "this app was built without a platform")

    async def notify(
        self, resident: Resident | str, title: str, body: str, url: str | None = None
    ) -> None:
        """Raises ``PlatformError("unavailable")``."""
        raise PlatformError("unavailable", "this app was built without a platform")

    async def storage_get(self, resident: Resident, key: str) -> Any:
        """Raises ``PlatformError("unavailable")``."""
        raise PlatformError("unavailable", "this app was built without a platform")

    async def storage_set(self, resident: Resident, key: str, value: Any) -> None:
        """Raises ``PlatformError("unavailable")``."""
        raise PlatformError("unavailable", "this app was built without a platform")

    async def kpi(self, name: str, value: int = 1) -> None:
        """Raises ``PlatformError("unavailable")``."""
        raise PlatformError("unavailable", "this app was built without a platform")

    async def request_payment(
        self, resident: Resident, amount: int, description: str, reference: str
    ) -> dict[str, Any]:
        """Raises ``PlatformError("unavailable")``."""
        raise PlatformError("unavailable", "this app was built without a platform")

    async def refund_payment(
        self, reference: str, amount: int, refund_reference: str
    ) -> dict[str, Any]:
        """Raises ``PlatformError("unavailable")``."""
        raise PlatformError("unavailable", "this app was built without a platform")

    async def audit(
        self,
        resident: Resident,
        action: str,
        subject: str,
        detail: Mapping[str, Any] | None = None,
    ) -> None:
        """Raises ``PlatformError("unavailable")``."""
        raise PlatformError("unavailable", "this app was built without a platform")

    async def translate(self, texts: Sequence[str], target: str, source: str = "ja") -> list[str]:
        """Raises ``PlatformError("unavailable")``."""
        raise PlatformError("unavailable", "this app was built without a platform")

    async def remember_translation(
        self, resident: Resident, source_text: str, target: str, text: str, source: str = "ja"
    ) -> None:
        """Raises ``PlatformError("unavailable")``."""
        raise PlatformError("unavailable", "this app was built without a platform")
