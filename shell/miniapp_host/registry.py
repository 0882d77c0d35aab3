"""Which mini-apps this city runs, on which origins, and routing requests to them by host.

First-party apps are folders listed in ``MACHI_MINIAPPS``. Each folder's ``manifest.toml`` is
validated before any of the app's code is imported; the app is then mounted in this process and
answers on its own origin (``MACHI_APPS_URL`` with ``{slug}`` filled in).
"""

from __future__ import annotations

import logging
import re
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import urlsplit

from litestar.types import ASGIApp, Receive, Scope, Send

from shell.settings import ROOT, Settings
from shell.web import i18n

log = logging.getLogger(__name__)

# Approved partner apps are read from the database at most this often for tiles and the CSP.
# Launches and tokens never use the cache: a suspension stops them at once.
PARTNER_CACHE_SECONDS = 3.0
OPEN311_APP = "apply"  # the hosted app that serves Open311 GeoReport v2 (miniapps/apply)
OPEN311_PATH = "/open311/v2/"


class PartnerSource(Protocol):
    """Where approved partner apps come from (the developer portal's table)."""

    async def approved(self) -> list[HostedApp]: ...

    async def find(self, slug: str) -> HostedApp | None: ...


class RegistryError(Exception):
    """A configured mini-app cannot be hosted; the message says which and why."""


@dataclass(frozen=True)
class HostedApp:
    id: str
    names: dict[str, str]
    publisher: str
    scopes: tuple[str, ...]
    permissions: tuple[str, ...]
    roles: tuple[str, ...]
    origin: str
    icon_url: str
    asgi: ASGIApp = field(repr=False)
    kpis: tuple[str, ...] = ()  # ids of the KPIs its manifest declares

    @property
    def name(self) -> str:
        """The app's name in the current locale, Japanese when it has none."""
        return self.names.get(i18n.get_locale()) or self.names.get("ja") or self.id

    @property
    def allow(self) -> str:
        """The iframe's ``allow`` attribute: only the features the approved manifest declares."""
        return "; ".join(f"{feature} {self.origin}" for feature in self.permissions)


def origin_for(settings: Settings, slug: str) -> str:
    return settings.apps_url.replace("{slug}", slug).rstrip("/")


def _host_pattern(settings: Settings) -> re.Pattern[str]:
    netloc = urlsplit(settings.apps_url.replace("{slug}", "slugmark")).netloc.lower()
    return re.compile(
        "^" + re.escape(netloc).replace("slugmark", "(?P<slug>[a-z][a-z0-9-]*)") + "$"
    )


@dataclass
class Registry:
    settings: Settings
    apps: dict[str, HostedApp] = field(default_factory=dict)
    partners: PartnerSource | None = None
    _partner_cache: tuple[float, list[HostedApp]] = field(default=(0.0, []), repr=False)
    # aall()'s list and the partner list it was merged from, kept until either changes (a new
    # partner list, or add_folder): every page asks for it (the CSP's frame-src, the tiles)
    _merged: tuple[list[HostedApp] | None, list[HostedApp]] = field(default=(None, []), repr=False)

    def get(self, slug: str) -> HostedApp | None:
        return self.apps.get(slug)

    def all(self) -> list[HostedApp]:
        return sorted(self.apps.values(), key=lambda app: app.id)

    def origins(self) -> list[str]:
        return [app.origin for app in self.all()]

    async def _approved_partners(self) -> list[HostedApp]:
        fetched_at, cached = self._partner_cache
        if self.partners is None or time.monotonic() - fetched_at < PARTNER_CACHE_SECONDS:
            return cached
        try:
            fresh = await self.partners.approved()
        except Exception:  # the database is away: keep the last list rather than fail every page
            log.warning("cannot read approved partner apps; keeping the last list", exc_info=True)
            return cached
        self._partner_cache = (time.monotonic(), fresh)
        return fresh

    def forget_partners(self) -> None:
        """Drop the cached partner apps (after a review decision in this process)."""
        self._partner_cache = (0.0, [])

    async def aall(self) -> list[HostedApp]:
        """First-party apps and approved partner apps (the latter cached for a few seconds)."""
        partners = await self._approved_partners()
        merged_from, kept = self._merged
        if partners is merged_from:
            return kept
        merged = {app.id: app for app in partners}
        merged.update(self.apps)  # a first-party slug always wins
        found = sorted(merged.values(), key=lambda app: app.id)
        self._merged = (partners, found)
        return found

    async def aget(self, slug: str, *, live: bool = False) -> HostedApp | None:
        """A first-party app, or an approved partner app. ``live`` reads the partner's status
        from the database now (launches and tokens), not from the cache."""
        if slug in self.apps:
            return self.apps[slug]
        if live:
            return await self.partners.find(slug) if self.partners else None
        return next((app for app in await self._approved_partners() if app.id == slug), None)

    async def aorigins(self) -> list[str]:
        """Origins the shell may frame: the shell's CSP ``frame-src``."""
        return [app.origin for app in await self.aall()]

    def add_folder(self, folder: Path, keys: Any) -> HostedApp:
        """Host the app in ``folder`` (manifest validated before its code is imported)."""
        from machi_sdk.app import load_miniapp
        from machi_sdk.manifest import ManifestError

        from shell.platform_api.inprocess import platform_for

        try:
            miniapp = load_miniapp(folder)
        except (ManifestError, ImportError, OSError) as exc:
            raise RegistryError(f"{folder}: {exc}") from exc
        manifest = miniapp.manifest
        origin = origin_for(self.settings, manifest.id)
        kpis = tuple(kpi.id for kpi in manifest.kpis)
        icon = (
            f"{origin}/{manifest.icon.lstrip('/')}"
            if manifest.icon
            else "/static/icons/icon-192.png"
        )
        platform = platform_for(manifest.id, self.settings, kpis=kpis)
        _register_jobs(miniapp, platform)
        app = HostedApp(
            id=manifest.id,
            names=dict(manifest.name),
            publisher=manifest.publisher,
            scopes=tuple(manifest.scopes),
            permissions=tuple(manifest.permissions),
            roles=tuple(role.id for role in manifest.roles),
            origin=origin,
            icon_url=icon,
            asgi=miniapp.create_app(
                shell_url=self.settings.public_url,
                keys=keys,
                platform=platform,
            ),
            kpis=kpis,
        )
        self.apps[app.id] = app
        self._merged = (None, [])
        return app

    def dispatcher(self, shell: ASGIApp) -> ASGIApp:
        """ASGI middleware: requests for a mini-app's host go to that app, the rest to the shell.

        Open311 GeoReport v2 is served at the city's own address, as report clients expect:
        ``/open311/v2/...`` on the shell's host is passed, in this process, to the hosted app
        that serves it (its host put in the request), and its answer goes back unchanged."""
        pattern = _host_pattern(self.settings)

        async def dispatch(scope: Scope, receive: Receive, send: Send) -> None:
            if scope["type"] in ("http", "websocket") and self.apps:
                host = dict(scope["headers"]).get(b"host", b"").decode("latin-1").lower()
                match = pattern.match(host)
                if match:
                    app = self.apps.get(match["slug"])
                    if app is None:
                        await _not_found(send)
                        return
                    await app.asgi(scope, receive, send)
                    return
                reports = self.apps.get(OPEN311_APP)
                if (reports is not None and scope["type"] == "http"
                        and scope["path"].startswith(OPEN311_PATH)):  # fmt: skip
                    await reports.asgi(_addressed_to(scope, reports.origin), receive, send)
                    return
            await shell(scope, receive, send)

        return dispatch


def _addressed_to(scope: Scope, origin: str) -> Scope:
    """``scope`` as a request sent to ``origin`` (its Host header and scheme)."""
    parts = urlsplit(origin)
    headers = [(k, v) for k, v in scope["headers"] if k != b"host"]
    headers.append((b"host", parts.netloc.encode("latin-1")))
    return {**scope, "headers": headers, "scheme": parts.scheme or scope.get("scheme", "http")}


def _register_jobs(miniapp: Any, platform: Any) -> None:
    """The app's periodic jobs (``machi_sdk.PeriodicJob``), run by the shell's job runner as
    ``<app id>.<job name>`` with the app's platform."""
    from functools import partial

    from shell import jobs

    for job in getattr(miniapp, "jobs", ()):
        jobs.periodic(f"{miniapp.id}.{job.name}", job.every, partial(job.run, platform))


async def _not_found(send: Send) -> None:
    await send({"type": "http.response.start", "status": 404,
                "headers": [(b"content-type", b"text/plain; charset=utf-8")]})  # fmt: skip
    await send({"type": "http.response.body", "body": b"No such mini-app."})


def load(settings: Settings) -> Registry:
    from shell.miniapp_host.keys import ShellKeys

    registry = Registry(settings)
    keys = ShellKeys()  # one provider for every app mounted in this process
    for entry in settings.miniapps:
        folder = Path(entry) if Path(entry).is_absolute() else ROOT / entry
        registry.add_folder(folder, keys)
    for folder in installed_folders():
        registry.add_folder(folder, keys)
    return registry


ENTRY_POINTS = "machi.miniapps"


def installed_folders() -> list[Path]:
    """Folders of the mini-apps installed with pip that declare themselves in the
    ``machi.miniapps`` entry-point group (``stamp-card = "stamp_card"``): found without
    importing them, so each manifest is validated before any of the app's code runs."""
    import importlib.util
    from importlib.metadata import entry_points

    found = []
    for entry in entry_points(group=ENTRY_POINTS):
        spec = importlib.util.find_spec(entry.module)
        if spec is None or spec.origin is None:
            raise RegistryError(f"entry point {entry.name!r}: package {entry.module!r} not found")
        found.append(Path(spec.origin).parent)
    return found
