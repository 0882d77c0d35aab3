"""Platform API v1 over HTTPS: ``/api/v1/...``, for partner apps that run on their own servers.

Every call carries the app's client credentials (``Authorization: Basic``); calls on a resident's
behalf also carry their launch token (``Machi-Resident-Token``). No session, no CSRF, JSON only;
refusals answer ``{"error": {"code", "message"}}``. The OpenAPI is at ``/schema/openapi.json``.
"""

from __future__ import annotations

import logging
from typing import Annotated, Any, TypeAlias

from litestar import Request, Response, Router, get, post, put
from litestar.di import NamedDependency, Provide
from litestar.exceptions import HTTPException, TooManyRequestsException, ValidationException
from litestar.middleware.rate_limit import RateLimitConfig, get_remote_address
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import FromPath, HeaderParameter, JSONBody

from shell.miniapp_host.registry import HostedApp, Registry
from shell.platform_api import actions, errors, queries
from shell.platform_api.auth import (
    Caller,
    ResidentTokens,
    authenticate_app,
    basic_credentials,
    caller_for_subject,
)
from shell.platform_api.schemas import (
    AuditRecord,
    Error,
    ErrorDetail,
    KpiIncrement,
    KpiTotal,
    Notification,
    Profile,
    StoredValue,
    TranslationCorrection,
    TranslationRequest,
    Translations,
    profile_of,
)
from shell.settings import Settings
from shell.wallet.apppay_routes import (  # wallet (issue 5)
    create_payment,
    create_refund,
    payment_status,
)
from shell.web.security import NO_STORE

log = logging.getLogger("machi.platform_api")

AppDep: TypeAlias = NamedDependency[HostedApp]
CallerDep: TypeAlias = NamedDependency[Caller]
MAX_BODY_BYTES = 64 * 1024  # a 16 KiB value, generously escaped; larger bodies get 413 at once
_CODES = {400: "invalid", 401: "unauthorized", 403: "forbidden", 404: "not_found",
          405: "method_not_allowed", 413: "too_large", 429: "rate_limited"}  # fmt: skip


def _error(
    status: int, code: str, message: str, headers: dict[str, str] | None = None
) -> Response[Error]:
    if status == 401:
        headers = {**(headers or {}), "WWW-Authenticate": 'Basic realm="machi-platform-api"'}
    body = Error(error=ErrorDetail(code=code, message=message))
    return Response(body, status_code=status, headers=headers, media_type="application/json")


def api_error(request: Request[Any, Any, Any], exc: Exception) -> Response[Error]:
    """Every refusal as ``{"error": {"code", "message"}}``, never an HTML page."""
    if isinstance(exc, errors.Refused):
        return _error(exc.status, exc.code, exc.message)
    if isinstance(exc, TooManyRequestsException):
        message = "too many requests for this client; wait and retry"
        return _error(429, "rate_limited", message, dict(exc.headers or {}))
    if isinstance(exc, ValidationException):
        detail = "; ".join(
            str(e.get("message", "")) for e in (exc.extra or []) if isinstance(e, dict)
        )
        return _error(400, "invalid", detail or str(exc.detail))
    if isinstance(exc, HTTPException):
        code = _CODES.get(exc.status_code, f"http_{exc.status_code}")
        return _error(exc.status_code, code, str(exc.detail), dict(exc.headers or {}))
    log.exception("Platform API error on %s", request.url.path, exc_info=exc)
    return _error(500, "internal", "the shell failed; try again later")


def client_key(request: Request[Any, Any, Any]) -> str:
    """What the rate limit counts by: the client id, or the address when there is none."""
    credentials = basic_credentials(request.headers.get("authorization", ""))
    return f"client:{credentials[0]}" if credentials else f"addr:{get_remote_address(request)}"


async def provide_app(request: Request[Any, Any, Any]) -> HostedApp:
    """The calling app: its credentials are valid and it is hosted or approved right now."""
    app_id = await authenticate_app(
        request.headers.get("authorization", ""), request.app.state.secret
    )
    registry: Registry = request.app.state.miniapps
    app = await registry.aget(app_id, live=True)
    if app is None:
        raise errors.app_unavailable()
    return app


def _provide_caller(tokens: ResidentTokens) -> Provide:
    async def provide_caller(
        client_app: AppDep,
        resident_token: Annotated[
            str | None,
            HeaderParameter(
                name="Machi-Resident-Token",
                description="The resident's launch token, minted for this app.",
            ),
        ] = None,
    ) -> Caller:  # fmt: skip
        if not resident_token:
            raise errors.invalid_token("missing")
        return await tokens.caller(client_app.id, resident_token)

    return Provide(provide_caller)


def _responses(*statuses: int) -> dict[int, ResponseSpec]:
    return {status: ResponseSpec(Error, description=_CODES.get(status, "unavailable"))
            for status in statuses}  # fmt: skip


@get("/profile", summary="The resident's granted profile claims",
     responses=_responses(401, 403, 429))  # fmt: skip
async def profile(caller: CallerDep, request: Request[Any, Any, Any]) -> Profile:
    """The claims the resident granted this app, as they are now (fresher than the token)."""
    secret = request.app.state.secret
    claims = await queries.profile(
        caller.account_id, caller.scopes, app_id=caller.app_id, secret=secret
    )
    return profile_of(claims)


@get("/storage/{key:str}", summary="Read a stored value (scope storage)",
     responses=_responses(401, 403, 404, 422, 429))  # fmt: skip
async def storage_get(caller: CallerDep, key: FromPath[str]) -> StoredValue:
    """The JSON value this app stored for the resident under ``key``; 404 when there is none."""
    caller.need("storage")
    actions.check_key(key)
    value = await queries.stored_value(caller.app_id, caller.account_id, key)
    if value is queries.MISSING:
        raise errors.Refused(404, "not_found", "nothing is stored under this key")
    return StoredValue(value=value)


@put("/storage/{key:str}", status_code=204, summary="Store a value (scope storage)",
     responses=_responses(400, 401, 403, 413, 422, 429))  # fmt: skip
async def storage_put(caller: CallerDep, key: FromPath[str], data: JSONBody[StoredValue]) -> None:
    """Keep a JSON value (at most 16 KiB) for the resident under ``key`` ([A-Za-z0-9._-])."""
    await actions.store_value(caller, key, data.value)


@post("/kpis/{name:str}", status_code=200, summary="Add to a KPI counter",
      responses=_responses(400, 401, 403, 422, 429))  # fmt: skip
async def kpi(client_app: AppDep, name: FromPath[str], data: JSONBody[KpiIncrement]) -> KpiTotal:
    """Add ``value`` (1 to 1,000,000) to today's counter of a KPI the manifest declares."""
    declared = await queries.declared_kpis(client_app)
    total = await actions.count_kpi(client_app.id, name, data.value, declared)
    return KpiTotal(name=name, day=actions.today().isoformat(), total=total)


@post("/notifications", status_code=202, summary="Notify the resident (scope notify)",
      responses=_responses(400, 401, 403, 422, 429))  # fmt: skip
async def notify(
    caller: CallerDep, data: JSONBody[Notification], request: Request[Any, Any, Any]
) -> None:
    """Put a notification in the resident's inbox and push it to their devices. At most
    ``MACHI_APP_NOTIFY_DAILY_LIMIT`` a day per resident (429 ``quota_exceeded`` beyond)."""
    limit = request.app.state.settings.app_notify_daily_limit
    await actions.notify(caller, data.title, data.body, data.url, limit)


@post("/residents/{subject:str}/notifications", status_code=202,
      summary="Notify a resident by pairwise id, later (scope notify)",
      responses=_responses(400, 401, 403, 422, 429))  # fmt: skip
async def notify_subject(
    client_app: AppDep,
    subject: FromPath[str],
    data: JSONBody[Notification],
    request: Request[Any, Any, Any],
) -> None:
    """Notify the resident whose pairwise id (``sub``) the app stored, without a launch token:
    a reminder or a receipt. Their grant must still be active and include ``notify``."""
    caller = await caller_for_subject(client_app.id, subject)
    limit = request.app.state.settings.app_notify_daily_limit
    await actions.notify(caller, data.title, data.body, data.url, limit)


@post("/audit", status_code=204, summary="Record a staff member's access to a record",
      responses=_responses(400, 401, 403, 422))  # fmt: skip
async def audit(
    caller: CallerDep, data: JSONBody[AuditRecord], request: Request[Any, Any, Any]
) -> None:
    """The staff member behind the launch token (it must carry one of the app's staff roles,
    which the person still holds) read or changed ``subject``. A subject that is one of the
    app's pairwise ids is filed under that resident, so the access shows in their history."""
    ip = get_remote_address(request)
    await actions.app_audit(caller, data.action, data.subject, data.detail, ip)


@post("/translations", status_code=200, summary="Machine-translate texts",
      responses=_responses(400, 401, 403, 422, 503))  # fmt: skip
async def translations(client_app: AppDep, data: JSONBody[TranslationRequest]) -> Translations:
    """The city's translation memory first, then its engine; 503 ``unavailable`` when the city
    runs no engine (staff then translate by hand)."""
    return Translations(texts=await actions.translate_texts(data.texts, data.target, data.source))


@post("/translations/memory", status_code=204,
      summary="Keep a staff member's translation in the city's translation memory",
      responses=_responses(400, 401, 403, 422, 429))  # fmt: skip
async def translation_memory(caller: CallerDep, data: JSONBody[TranslationCorrection]) -> None:
    """A staff member corrected (or wrote) the translation of ``source_text`` into ``target``
    inside the app: the city keeps it as a staff correction, and every later translation of the
    same text answers it before any engine. The launch token must carry one of the app's staff
    roles, which the person still holds (403 ``forbidden`` otherwise)."""
    await actions.remember_translation(
        caller, data.source_text, data.target, data.text, data.source
    )


def router(settings: Settings) -> Router:
    tokens = ResidentTokens(settings.public_url)
    limit = RateLimitConfig(
        rate_limit=("minute", settings.platform_rate_limit),
        store="rate_limit",
        identifier_for_request=client_key,
    )
    return Router(
        path="/api/v1",
        include_in_schema=True,  # the app documents only what opts in
        route_handlers=[
            profile,
            storage_get,
            storage_put,
            kpi,
            notify,
            notify_subject,
            create_payment,
            payment_status,
            create_refund,
            audit,
            translations,
            translation_memory,
        ],
        dependencies={"client_app": Provide(provide_app), "caller": _provide_caller(tokens)},
        middleware=[limit.middleware],
        exception_handlers={Exception: api_error},
        opt={"exclude_from_csrf": True, "skip_session": True},
        request_max_body_size=MAX_BODY_BYTES,
        cache_control=NO_STORE,
        tags=["Platform API v1"],
        security=[{"appClient": []}],
    )
