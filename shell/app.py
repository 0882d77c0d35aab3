"""``create_app(settings) -> Litestar``: the shell's assembly, and nothing else."""

from __future__ import annotations

import logging

from litestar import Litestar
from litestar.config.csrf import CSRFConfig
from litestar.middleware import DefineMiddleware
from litestar.static_files import create_static_files_router
from litestar.stores.base import Store
from litestar.stores.memory import MemoryStore
from litestar.stores.redis import RedisStore
from litestar.types import ASGIApp, Receive, Scope, Send

from shell import db, jobs, translation
from shell.developer.queries import ApprovedPartnerApps
from shell.developer.routes import AppReview, DeveloperPortal

# disaster mode (issue 6)
from shell.disaster import scheduling as _disaster_jobs  # noqa: F401  (registers jobs)
from shell.disaster import state as disaster_state
from shell.disaster.routes import DisasterMenu, StaffDisaster
from shell.identity.routes import router as identity_router
from shell.identity.session import load_account
from shell.miniapp_host import home as _miniapp_tiles  # noqa: F401  (registers the home tiles)
from shell.miniapp_host import registry
from shell.miniapp_host.routes import Grants, MiniAppLaunch, jwks, sdk_bridge
from shell.notifications import home as _notification_home  # noqa: F401  (the home section)
from shell.notifications import runtime as notifications_runtime
from shell.notifications import scheduling as _notification_jobs  # noqa: F401  (registers jobs)
from shell.notifications.routes import Inbox, StaffNotifications, receipt
from shell.platform_api.openapi import openapi_config
from shell.platform_api.routes import router as platform_api_router
from shell.resident_id import home as _resident_id_card  # noqa: F401  (the home section)
from shell.resident_id import scheduling as _resident_id_jobs  # noqa: F401  (registers jobs)
from shell.resident_id.routes import ResidentIdCard, status_list, verify_page
from shell.resident_id.staff_routes import StaffResidentId
from shell.settings import ROOT, Settings
from shell.staff.kpis import KpiDashboard
from shell.staff.routes import StaffConsole

# wallet (issue 5)
from shell.wallet import home as _wallet_card  # noqa: F401  (registers the home card)
from shell.wallet import scheduling as _wallet_jobs  # noqa: F401  (registers jobs)
from shell.wallet.apppay_routes import PaymentRequests
from shell.wallet.merchant_routes import MerchantConsole
from shell.wallet.routes import LocalGatewayPages, Wallet, gateway_callback
from shell.wallet.staff_routes import StaffWallet
from shell.web import i18n, live, pwa
from shell.web.canonical import canonical_host_middleware
from shell.web.display import furigana_readings
from shell.web.errors import handle_exception
from shell.web.request import ShellRequest
from shell.web.routes import choose_display, choose_language, healthz, home, language_page
from shell.web.security import security_headers_middleware
from shell.web.session_store import DatabaseStore
from shell.web.sessions import SessionConfig

log = logging.getLogger("machi")
STATIC_DIR = ROOT / "pwa" / "static"


def _stores(settings: Settings) -> dict[str, Store]:
    if settings.redis_url:
        return {
            "sessions": RedisStore.with_client(url=settings.redis_url, namespace="machi:sessions"),
            "rate_limit": RedisStore.with_client(url=settings.redis_url, namespace="machi:rl"),
        }
    return {"sessions": DatabaseStore(), "rate_limit": MemoryStore()}


async def _sweep_sessions(sessions: DatabaseStore) -> None:
    """Delete expired sessions at startup: housekeeping, which must never keep the server from
    starting. Expired rows are refused when read anyway, so a sweep that finds the database
    busy (another worker starting, a restart that caught a writer) is left to the next start.
    It runs before this process's jobs, so none of them competes with it."""
    try:
        await sessions.delete_expired()
    except Exception:  # logged; the server starts regardless
        log.warning("expired sessions not swept at startup", exc_info=True)


def _account_and_locale(app: ASGIApp) -> ASGIApp:
    """Load the signed-in account and pick the locale before guards and handlers run."""

    async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            request = ShellRequest(scope)
            # the menu's unread badge comes with the account on full page loads, GETs that are
            # not htmx's (shell/notifications/queries.py)
            full_page = scope["method"] == "GET" and "hx-request" not in request.headers
            account = await load_account(request, full_page=full_page)
            code = i18n.negotiate(
                account["language"] if account else None,
                request.cookies.get(i18n.LANG_COOKIE),
                request.headers.get("accept-language", ""),
            )
            i18n.set_locale(code)
            request.state.locale = code
        await app(scope, receive, send)

    return middleware


def create_app(settings: Settings | None = None) -> Litestar:
    settings = settings or Settings.from_env()
    engine = db.current()
    translation.configure(settings)  # the machine-translation engine the settings name, if any

    prefix = settings.cookie_prefix
    session_config = SessionConfig(
        key=f"{prefix}machi_session",
        max_age=settings.session_days * 86400,
        secure=settings.secure_cookies,
        httponly=True,
        samesite="lax",
        store="sessions",
        exclude=["^/static/", "^/sw.js$", "^/manifest.webmanifest$", "^/healthz$", "^/api/"],
    )
    csrf_config = CSRFConfig(
        secret=settings.resolved_secret(),
        cookie_name=f"{prefix}machi_csrf",
        cookie_secure=settings.secure_cookies,
        cookie_httponly=True,
        header_name="x-csrftoken",
        # The Platform API uses client credentials, never cookies; a push receipt carries its own
        # signed token (a service worker has no CSRF token to send).
        exclude=["^/api/", "^/notifications/receipts/"],
    )

    stores = _stores(settings)
    notifications_runtime.configure(settings)
    channels = live.make_plugin(settings)
    live.install(channels)
    hosted = registry.load(settings)
    hosted.partners = ApprovedPartnerApps()

    # The hosted mini-apps' own startup and shutdown hooks run with the shell's: the dispatcher
    # hands the server's lifespan events to the shell only. (Each app's full ``lifespan()`` cannot
    # be entered here: its task group would span two of the shell's hooks.)
    miniapps_with_hooks = [a.asgi for a in hosted.all() if isinstance(a.asgi, Litestar)]

    async def on_startup(app: Litestar) -> None:
        await db.start(engine)
        sessions = stores["sessions"]
        if isinstance(sessions, DatabaseStore):
            await _sweep_sessions(sessions)
        # Without Redis this process runs the jobs; with it, `machi worker` does.
        await jobs.start(settings.redis_url, consume=not settings.redis_url)
        for miniapp in miniapps_with_hooks:
            for hook in miniapp.on_startup:
                await miniapp._call_lifespan_hook(hook)

    async def on_shutdown(app: Litestar) -> None:
        for miniapp in reversed(miniapps_with_hooks):
            for hook in miniapp.on_shutdown[::-1]:
                await miniapp._call_lifespan_hook(hook)
        await jobs.stop()
        await notifications_runtime.close()
        await db.stop(engine)

    app = Litestar(
        # The pages people use, then the rest. /schema/openapi.json documents only what opts
        # in (the Platform API and health): the app leaves the rest out.
        # Each is given to the app itself, not through a Router of their own: the app deep-copies
        # every Router it is given, which made each app take twice as long to build.
        include_in_schema=False,
        route_handlers=[
            home,
            language_page,
            choose_language,
            choose_display,
            furigana_readings,
            identity_router(settings.auth_rate_limit),
            StaffConsole,
            KpiDashboard,
            Wallet,
            LocalGatewayPages,
            MerchantConsole,
            StaffWallet,
            PaymentRequests,
            AppReview,
            DeveloperPortal,
            MiniAppLaunch,
            Grants,
            Inbox,
            StaffNotifications,
            receipt,
            jwks,
            sdk_bridge,
            live.events,
            DisasterMenu,
            StaffDisaster,
            ResidentIdCard,
            StaffResidentId,
            status_list,
            verify_page,
            healthz,
            gateway_callback,
            platform_api_router(settings),
            *pwa.route_handlers(),
            create_static_files_router(
                path="/static",
                directories=[STATIC_DIR],
                name="static",
                cache_control=None,
                include_in_schema=False,
            ),
        ],
        middleware=[
            DefineMiddleware(canonical_host_middleware(settings)),
            DefineMiddleware(security_headers_middleware(settings, hosted.aorigins)),
            session_config.middleware,
            DefineMiddleware(_account_and_locale),
            DefineMiddleware(disaster_state.middleware),
        ],
        csrf_config=csrf_config,
        request_class=ShellRequest,
        openapi_config=openapi_config(),
        stores=stores,
        plugins=[channels],
        exception_handlers={Exception: handle_exception},
        on_startup=[on_startup],
        on_shutdown=[on_shutdown],
        debug=settings.debug,
    )
    app.state.settings = settings
    app.state.secret = settings.resolved_secret()
    app.state.miniapps = hosted
    return app


def create_server(settings: Settings | None = None, *, serving_process: bool = False) -> ASGIApp:
    """The shell, with each mini-app answering on its own origin. In a process that serves until
    stopped, its garbage collector is tuned once the app has started (``serving.settle``)."""
    app = create_app(settings)
    if serving_process:
        from shell import serving

        app.on_startup.append(serving.settle)
    return app.state.miniapps.dispatcher(app)  # type: ignore[no-any-return]


def create_served() -> ASGIApp:
    """What each ``machi serve`` worker runs."""
    return create_server(serving_process=True)
