"""``MiniApp``: a mini-app's definition, and the Litestar application built from it.

A mini-app folder holds ``manifest.toml``, ``__init__.py`` (``MINIAPP = MiniApp(...)``), its routes
and ``templates/<id>/``. The shell (or the partner's own server) turns the definition into an ASGI
application with :meth:`MiniApp.create_app`, giving the shell's URL and where its keys are.

Every request the app answers goes through the launch-token guard:

- a ``GET`` for a document without ``Authorization`` (the iframe's first load, a plain link) gets
  the *boot page*: the layout with no personal data, which loads the bridge and, once the bridge
  has a token, fetches the same URL again with htmx, this time with the token;
- any other request without a valid ``Authorization: Bearer <token>`` gets 401 and changes nothing;
- with a valid token the handler runs and may take a ``resident: ResidentDep`` (a
  :class:`Resident`) and a ``platform: PlatformDep`` (a :class:`Platform`) parameter. The guard
  :func:`requires_scopes` answers 403 when the resident has not granted what the route needs.
"""

from __future__ import annotations

import gettext as gettext_module
import importlib.util
import logging
import sys
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from functools import cached_property
from pathlib import Path
from typing import Any, TypeAlias

import jwt
from jinja2 import (
    ChoiceLoader,
    Environment,
    FileSystemLoader,
    StrictUndefined,
    pass_context,
    select_autoescape,
)
from jinja2.runtime import Context
from litestar import Litestar, Request, Response, get
from litestar.connection import ASGIConnection
from litestar.datastructures import Headers, State
from litestar.di import NamedDependency, Provide
from litestar.enums import MediaType, ScopeType
from litestar.exceptions import NotAuthorizedException, PermissionDeniedException
from litestar.handlers import HTTPRouteHandler
from litestar.handlers.base import BaseRouteHandler
from litestar.middleware import DefineMiddleware
from litestar.static_files import create_static_files_router
from litestar.types import (
    ASGIApp,
    ControllerRouterHandler,
    HTTPResponseBodyEvent,
    HTTPResponseStartEvent,
    Receive,
    Scope,
    Send,
)

from machi_sdk.auth import KeyProvider, RemoteJWKS, TokenError, TokenVerifier
from machi_sdk.extensions import PeriodicJob
from machi_sdk.i18n import best_language, sdk_language, shipped_in
from machi_sdk.i18n import load as load_catalog
from machi_sdk.manifest import Manifest, ManifestError, Problem, load_manifest
from machi_sdk.offline import Offline, worker_script
from machi_sdk.platform import NoPlatform, Platform
from machi_sdk.resident import Resident
from machi_sdk.scopes import SCOPES, scope_label
from machi_sdk.web import (
    VARY,
    accept_language,
    install_formatters,
    message,
    pick_language,
    render,
    security_headers,
)

log = logging.getLogger("machi_sdk.app")

SDK_TEMPLATES = Path(__file__).parent / "templates"
RESIDENT_KEY = "machi_resident"
PUBLIC_OPT = "machi_public"
_DOCUMENT_DESTINATIONS = {"document", "iframe", "frame", "embed", "object"}
# Locales remembered per app (tokens carry a language tag; this bounds what junk tags could fill).
_MAX_LOCALES = 256

ResidentDep: TypeAlias = NamedDependency[Resident]
"""Annotate a handler parameter named ``resident`` with this: ``resident: ResidentDep``."""

PlatformDep: TypeAlias = NamedDependency[Platform]
"""Annotate a handler parameter named ``platform`` with this: ``platform: PlatformDep``."""


class MissingScopes(PermissionDeniedException):
    """The resident has not granted every scope the route needs; answered with 403."""

    def __init__(self, scopes: Iterable[str]) -> None:
        self.scopes = tuple(sorted(scopes))
        super().__init__(detail=f"missing scopes: {' '.join(self.scopes)}")


def requires_scopes(
    *scopes: str,
) -> Callable[[ASGIConnection[Any, Any, Any, Any], Any], Awaitable[None]]:
    """A Litestar guard declaring the scopes a route needs: ``guards=[requires_scopes("notify")]``.

    Every route must declare its scopes this way (``requires_scopes()`` when it needs none beyond
    a valid token); the mini-app contract check refuses routes that do not. A resident without one
    of the scopes gets 403 before the handler runs.
    """
    unknown = [s for s in scopes if s not in SCOPES]
    if unknown:
        raise ValueError(f"unknown scope(s) {unknown}; known: {', '.join(SCOPES)}")
    needed = frozenset(scopes)

    # A coroutine: Litestar runs a plain function guard in a worker thread on every request.
    async def guard(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
        resident = connection.scope.get("state", {}).get(RESIDENT_KEY)
        if not isinstance(resident, Resident):
            raise NotAuthorizedException()
        missing = needed - resident.scopes
        if missing:
            raise MissingScopes(missing)

    guard.machi_scopes = needed  # type: ignore[attr-defined]
    guard.__name__ = f"requires_scopes({', '.join(sorted(needed))})"
    return guard


def declared_scopes(handler: BaseRouteHandler) -> frozenset[str] | None:
    """The scopes ``handler`` declares through :func:`requires_scopes` on any layer, or ``None``."""
    found: frozenset[str] | None = None
    for layer in handler.ownership_layers:
        for guard in layer.guards or ():
            marked = getattr(guard, "machi_scopes", None)
            if marked is not None:
                found = (found or frozenset()) | marked
    return found


def is_generated(handler: BaseRouteHandler) -> bool:
    """Whether Litestar made ``handler`` itself (the automatic ``OPTIONS`` handler of a path)."""
    fn = getattr(handler, "fn", None)
    return getattr(fn, "__module__", "").startswith("litestar.")


class MiniApp:
    """A mini-app's definition: its manifest, routes, templates and translations.

    ``folder`` is the app's folder (or its ``manifest.toml``); the manifest is validated first and
    :class:`ManifestError` says what to fix. By default templates come from ``<folder>/templates``,
    translations from ``<folder>/locales/<lang>/LC_MESSAGES/<id>.mo`` and static files from
    ``<folder>/static`` (served at ``/static``, without a token: never put personal data there).

    ``on_startup``/``on_shutdown`` are passed to Litestar (e.g. to open a database pool);
    ``dependencies`` adds Litestar dependencies next to ``resident`` and ``platform``.

    What the app adds to its host besides pages (see :mod:`machi_sdk.extensions`):
    ``piccolo_app`` (the dotted name of its Piccolo ``AppConfig`` module), ``commands`` (``click``
    commands, offered as ``machi <id> <command>``), ``jobs`` (:class:`~machi_sdk.PeriodicJob`)
    and ``demo`` (an idempotent async callable loading demo data, returning lines to show).

    ``scripts`` are paths of the app's own scripts (``"/static/<id>/app.js"``) and ``styles`` of
    its own stylesheets (``"/static/<id>/<id>.css"``) that every full page links in its ``<head>``,
    the boot page included: later pages arrive as htmx fragments, without a ``<head>``, into it.

    ``offline`` (an :class:`~machi_sdk.offline.Offline`) gives the app the SDK's service worker at
    ``/sw.js``, which keeps a public page for use without network (see :mod:`machi_sdk.offline`).
    """

    def __init__(
        self,
        folder: str | Path,
        route_handlers: Sequence[ControllerRouterHandler] = (),
        *,
        templates_dir: str | Path | None = None,
        locales_dir: str | Path | None = None,
        static_dir: str | Path | None = None,
        dependencies: Mapping[str, Provide] | None = None,
        on_startup: Sequence[Callable[..., Any]] = (),
        on_shutdown: Sequence[Callable[..., Any]] = (),
        piccolo_app: str | None = None,
        commands: Sequence[Any] = (),
        jobs: Sequence[PeriodicJob] = (),
        demo: Callable[[], Awaitable[Sequence[str]]] | None = None,
        scripts: Sequence[str] = (),
        styles: Sequence[str] = (),
        offline: Offline | None = None,
    ) -> None:
        path = Path(folder)
        self.manifest_path = path if path.is_file() else path / "manifest.toml"
        self.folder = self.manifest_path.parent
        self.manifest: Manifest = load_manifest(self.manifest_path)
        self.route_handlers = list(route_handlers)
        self.templates_dir = _optional_dir(templates_dir, self.folder / "templates")
        self.locales_dir = _optional_dir(locales_dir, self.folder / "locales")
        self.static_dir = _optional_dir(static_dir, self.folder / "static")
        self.dependencies = dict(dependencies or {})
        self.on_startup = list(on_startup)
        self.on_shutdown = list(on_shutdown)
        self.piccolo_app = piccolo_app
        self.commands = list(commands)
        self.jobs = list(jobs)
        self.demo = demo
        self.scripts = _own_paths("scripts", scripts)
        self.styles = _own_paths("styles", styles)
        self.offline = offline
        self._translations: dict[str, gettext_module.NullTranslations] = {}
        self._languages: dict[str, str] = {}

    def __repr__(self) -> str:
        return f"MiniApp({self.manifest.id!r}, folder={str(self.folder)!r})"

    @property
    def id(self) -> str:
        """The app id from the manifest (also its folder, sub-domain and gettext domain)."""
        return self.manifest.id

    @cached_property
    def environment(self) -> Environment:
        """The Jinja2 environment: the app's templates, then the SDK's (``machi_sdk/base.html``),
        with the formatting filters of :func:`machi_sdk.web.install_formatters`."""
        folders = [p for p in (self.templates_dir, SDK_TEMPLATES) if p is not None]
        env = Environment(
            loader=ChoiceLoader([FileSystemLoader(str(p)) for p in folders]),
            autoescape=select_autoescape(["html", "xml", "svg"]),
            undefined=StrictUndefined,
            extensions=["jinja2.ext.i18n"],
            trim_blocks=True,
            lstrip_blocks=True,
            auto_reload=False,  # read once per process: no file checks on every page
        )
        env.install_gettext_callables(  # type: ignore[attr-defined]
            gettext=_template_gettext, ngettext=_template_ngettext, newstyle=True
        )
        install_formatters(env)
        return env

    def app_templates(self) -> list[str]:
        """Names of the app's own templates (not the SDK's), e.g. ``["hello/index.html"]``."""
        if self.templates_dir is None:
            return []
        return sorted(
            p.relative_to(self.templates_dir).as_posix()
            for p in self.templates_dir.rglob("*")
            if p.is_file() and p.suffix in (".html", ".xml", ".svg", ".txt")
        )

    def language_for(self, locale: str) -> str:
        """The language this app's pages are shown in for a resident who reads ``locale``: the
        closest one it ships a catalog for (``<locales>/<catalog>/LC_MESSAGES/<id>.mo``), by
        :func:`machi_sdk.i18n.fallbacks` (Easy Japanese → Japanese; others → English →
        Japanese). Japanese, the source language, is always there."""
        known = self._languages.get(locale)
        if known is None:  # asked on every page: the catalog files are looked for once per locale
            known = best_language(locale, shipped_in(self.locales_dir, self.id))
            if len(self._languages) < _MAX_LOCALES:
                self._languages[locale] = known
        return known

    def translations(self, locale: str) -> gettext_module.NullTranslations:
        """The app's catalog for a resident who reads ``locale`` (in the language
        :meth:`language_for` picks), or one that returns every message unchanged (Japanese is
        the source language)."""
        cached = self._translations.get(locale)
        if cached is None:
            cached = load_catalog(self.locales_dir, self.id, self.language_for(locale))
            self._translations[locale] = cached
        return cached

    def create_app(
        self,
        *,
        shell_url: str,
        keys: KeyProvider | None = None,
        jwks_url: str | None = None,
        platform: Platform | None = None,
        debug: bool = False,
    ) -> Litestar:
        """Build the ASGI application the shell frames, for the shell at ``shell_url``.

        Give exactly one of ``keys`` (a :class:`KeyProvider`, e.g. ``StaticKeys(jwks)`` in the
        shell's process) or ``jwks_url`` (fetched and cached with :class:`RemoteJWKS`).
        ``platform`` is what handlers receive as ``platform``; without one every call raises
        ``PlatformError("unavailable")``.
        """
        if (keys is None) == (jwks_url is None):
            raise ValueError("give exactly one of keys= or jwks_url=")
        provider: KeyProvider = keys if keys is not None else RemoteJWKS(str(jwks_url))
        runtime = Runtime(self, shell_url=shell_url, keys=provider, platform=platform)
        handlers: list[ControllerRouterHandler] = list(self.route_handlers)
        if self.static_dir is not None:
            handlers.append(
                create_static_files_router(
                    path="/static",
                    directories=[self.static_dir],
                    name=f"{self.id}:static",
                    opt={PUBLIC_OPT: True},
                    send_as_attachment=False,
                )
            )

        if self.offline is not None:
            handlers.append(_offline_worker(self.id, self.offline))

        def provide_platform() -> Platform:
            return runtime.platform

        return Litestar(
            route_handlers=handlers,
            middleware=[DefineMiddleware(TokenGuard, runtime=runtime)],
            dependencies={
                "resident": Provide(_provide_resident, sync_to_thread=False),
                "platform": Provide(provide_platform, sync_to_thread=False),
                **self.dependencies,
            },
            exception_handlers={MissingScopes: _forbidden},
            before_send=[security_headers(runtime)],
            state=State({"machi_runtime": runtime}),
            signature_namespace={
                "Resident": Resident,
                "Platform": Platform,
                "ResidentDep": ResidentDep,
                "PlatformDep": PlatformDep,
            },
            on_startup=self.on_startup,
            on_shutdown=self.on_shutdown,
            openapi_config=None,
            logging_config=None,  # the host process configures logging, not each app
            debug=debug,
        )


def _offline_worker(app_id: str, offline: Offline) -> HTTPRouteHandler:
    """``GET /sw.js``: at the root, so the worker controls every page of the app; public (the
    browser fetches a worker without the resident's token)."""
    body = worker_script(app_id, offline)

    @get("/sw.js", name=f"{app_id}:sw", opt={PUBLIC_OPT: True}, include_in_schema=False)
    async def service_worker() -> Response[bytes]:
        return Response(
            body,
            media_type="text/javascript",
            headers={"Cache-Control": "no-cache", "Service-Worker-Allowed": "/"},
        )

    return service_worker


def _own_paths(kind: str, paths: Sequence[str]) -> list[str]:
    """``paths`` if each is a path on the app's own origin (``/static/...``), else ValueError."""
    if isinstance(paths, str):
        raise ValueError(f"{kind} is a list of paths, not one string")
    bad = [path for path in paths if not path.startswith("/") or path.startswith("//")]
    if bad:
        raise ValueError(f"{kind} are paths on the app's own origin, not {bad}")
    return list(paths)


def _optional_dir(given: str | Path | None, default: Path) -> Path | None:
    if given is not None:
        return Path(given)
    return default if default.is_dir() else None


def _context_translations(context: Context) -> gettext_module.NullTranslations:
    found = context.get("machi_translations")
    return found if found is not None else gettext_module.NullTranslations()


@pass_context
def _template_gettext(context: Context, text: str) -> str:
    return _context_translations(context).gettext(text)


@pass_context
def _template_ngettext(context: Context, singular: str, plural: str, n: int) -> str:
    return _context_translations(context).ngettext(singular, plural, n)


class Runtime:
    """One built mini-app: its definition plus the shell it runs for. Kept in the app's state."""

    def __init__(
        self,
        miniapp: MiniApp,
        *,
        shell_url: str,
        keys: KeyProvider,
        platform: Platform | None,
    ) -> None:
        self.miniapp = miniapp
        self.manifest = miniapp.manifest
        self.shell_url = shell_url.rstrip("/")
        self.verifier = TokenVerifier(self.shell_url, miniapp.id, keys)
        self.platform: Platform = platform if platform is not None else NoPlatform()

    def reader_locale(self, request: Request[Any, Any, Any]) -> str:
        """The resident's language (from the token), or the browser's before there is one."""
        resident = request.scope.get("state", {}).get(RESIDENT_KEY)
        if isinstance(resident, Resident):
            return resident.locale
        return next(iter(accept_language(request.headers.get("accept-language", ""))), "ja")

    def base_context(self, request: Request[Any, Any, Any]) -> dict[str, Any]:
        """What every template sees besides the handler's context."""
        resident = request.scope.get("state", {}).get(RESIDENT_KEY)
        reader = self.reader_locale(request)
        locale = self.miniapp.language_for(reader)
        return {
            "request": request,
            "resident": resident,
            # the language the page is written in (its <html lang>), and the resident's own
            "locale": locale,
            "reader_locale": reader,
            "machi": {
                "shell_url": self.shell_url,
                "app_id": self.manifest.id,
                "app_name": self.manifest.display_name(locale),
                "scripts": self.miniapp.scripts,
                "styles": self.miniapp.styles,
                "offline": self.miniapp.offline is not None,
            },
            # the SDK's own texts may be in another language than the page: mark them with lang
            "machi_lang": sdk_language(reader),
            "machi_text": lambda key: message(key, reader),
            "machi_translations": self.miniapp.translations(reader),
        }


def _provide_resident(request: Request[Any, Any, Any]) -> Resident:
    resident = request.scope.get("state", {}).get(RESIDENT_KEY)
    if not isinstance(resident, Resident):
        raise NotAuthorizedException()
    return resident


def _forbidden(request: Request[Any, Any, Any], exc: MissingScopes) -> Response[str]:
    resident = request.scope.get("state", {}).get(RESIDENT_KEY)
    language = sdk_language(resident.locale) if isinstance(resident, Resident) else "ja"
    joiner = "」「" if language.startswith("ja") else "”, “"
    labels = joiner.join(scope_label(s, language) for s in exc.scopes)
    text = message("forbidden", language, scopes=labels)
    return render(
        request,
        "machi_sdk/error.html",
        {"message": text, "missing_scopes": exc.scopes},
        status_code=403,
    )


class TokenGuard:
    """ASGI middleware: boot page, 401, or the verified :class:`Resident` in the request scope."""

    def __init__(self, app: ASGIApp, runtime: Runtime) -> None:
        self.app = app
        self.runtime = runtime

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == ScopeType.WEBSOCKET:
            # Browsers cannot send Authorization on a WebSocket; not supported yet.
            await send({"type": "websocket.close", "code": 4401, "reason": "unauthorized"})
            return
        handler = scope.get("route_handler")
        if scope["type"] != ScopeType.HTTP or (handler is not None and handler.opt.get(PUBLIC_OPT)):
            await self.app(scope, receive, send)
            return
        headers = Headers.from_scope(scope)
        authorization = headers.get("authorization")
        if not authorization:
            if _wants_boot_page(scope, headers):
                await self._boot_page(scope, send)
            else:
                await self._unauthorized(scope, headers, send, "", "missing")
            return
        kind, _, token = authorization.partition(" ")
        token = token.strip()
        if kind.lower() != "bearer" or not token:
            await self._unauthorized(scope, headers, send, "", "missing")
            return
        try:
            resident = await self.runtime.verifier.averify(token)
        except TokenError as exc:
            log.info("refused a launch token for %s: %s", self.runtime.manifest.id, exc)
            await self._unauthorized(scope, headers, send, token, exc.reason)
            return
        scope.setdefault("state", {})[RESIDENT_KEY] = resident
        await self.app(scope, receive, send)

    async def _boot_page(self, scope: Scope, send: Send) -> None:
        request: Request[Any, Any, Any] = Request(scope)
        path = scope.get("raw_path") or scope["path"].encode()
        target = path.decode("latin-1") if isinstance(path, bytes) else str(path)
        query = scope.get("query_string", b"")
        if query:
            target += "?" + query.decode("latin-1")
        runtime = self.runtime
        template = runtime.miniapp.environment.get_template("machi_sdk/boot.html")
        body = template.render({**runtime.base_context(request), "boot_url": target})
        await _send(
            send,
            200,
            body,
            {"Cache-Control": "no-cache", "Vary": VARY},
            head=scope.get("method") == "HEAD",
        )

    async def _unauthorized(
        self, scope: Scope, headers: Headers, send: Send, token: str, reason: str
    ) -> None:
        language = pick_language(
            [*_token_locale(token), *accept_language(headers.get("accept-language", ""))]
        )
        text = message("unauthorized", language)
        body = f'<p class="alert" role="alert" data-testid="machi-error">{text}</p>\n'
        error = "invalid_request" if reason == "missing" else "invalid_token"
        await _send(
            send,
            401,
            body,
            {
                "WWW-Authenticate": f'Bearer error="{error}"',
                "Content-Language": language,
                "Cache-Control": "no-store",
                "Vary": VARY,
            },
            head=scope.get("method") == "HEAD",
        )


def _wants_boot_page(scope: Scope, headers: Headers) -> bool:
    if scope.get("method") not in ("GET", "HEAD") or headers.get("hx-request"):
        return False
    destination = headers.get("sec-fetch-dest")
    return destination is None or destination in _DOCUMENT_DESTINATIONS


def _token_locale(token: str) -> list[str]:
    """The locale an unverified token names, only to choose the language of the refusal."""
    if not token:
        return []
    try:
        locale = jwt.decode(token, options={"verify_signature": False}).get("locale")
    except (jwt.InvalidTokenError, AttributeError):
        return []
    return [locale] if isinstance(locale, str) else []


async def _send(
    send: Send, status: int, body: str, headers: Mapping[str, str], *, head: bool = False
) -> None:
    data = body.encode()
    raw = [
        (b"content-type", MediaType.HTML.value.encode() + b"; charset=utf-8"),
        (b"content-length", str(len(data)).encode()),
        *((k.lower().encode(), v.encode()) for k, v in headers.items()),
    ]
    start: HTTPResponseStartEvent = {
        "type": "http.response.start",
        "status": status,
        "headers": raw,
    }
    body_event: HTTPResponseBodyEvent = {
        "type": "http.response.body",
        "body": b"" if head else data,
        "more_body": False,
    }
    await send(start)
    await send(body_event)


def load_miniapp(folder: str | Path) -> MiniApp:
    """Validate ``folder``'s manifest, then import the folder as a package and return its
    ``MINIAPP``.

    The manifest is checked (and its id compared with the folder name) before any of the app's
    code runs. The package is imported as ``machi_miniapp_<id>`` (hyphens as underscores).
    """
    folder = Path(folder).resolve()
    manifest = load_manifest(folder / "manifest.toml")
    # A pip-installed app is a Python package: its folder may spell the id's hyphens as "_".
    if folder.name not in (manifest.id, manifest.id.replace("-", "_")):
        raise ManifestError(
            folder / "manifest.toml",
            [
                Problem(
                    "id_not_folder",
                    f"id {manifest.id!r} must equal the folder name {folder.name!r}",
                    value=manifest.id,
                    folder=folder.name,
                )
            ],
        )
    name = f"machi_miniapp_{manifest.id.replace('-', '_')}"
    module = sys.modules.get(name)
    if module is None:
        spec = importlib.util.spec_from_file_location(
            name, folder / "__init__.py", submodule_search_locations=[str(folder)]
        )
        if spec is None or spec.loader is None:
            raise ImportError(f"{folder} has no __init__.py")
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        try:
            spec.loader.exec_module(module)
        except BaseException:
            del sys.modules[name]
            raise
    miniapp = getattr(module, "MINIAPP", None)
    if not isinstance(miniapp, MiniApp):
        raise ImportError(f"{folder}/__init__.py must define MINIAPP = MiniApp(...)")
    return miniapp
