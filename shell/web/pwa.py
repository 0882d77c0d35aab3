"""The installable app: web app manifest, the service worker at root scope, the offline page
and the page that explains how to add the app to the home screen."""

from __future__ import annotations

import hashlib
import json
from functools import cache
from typing import Any

from litestar import Request, Response, get
from litestar.handlers import HTTPRouteHandler

from shell.settings import ROOT
from shell.web.i18n import _
from shell.web.templates import render

PWA_DIR = ROOT / "pwa"
STATIC_DIR = PWA_DIR / "static"
TEMPLATES_DIR = ROOT / "shell" / "web" / "templates" / "web"
THEME_COLOR = "#0031d8"  # Digital Agency blue-800 (--color-primitive-blue-800, the key colour)
BACKGROUND_COLOR = "#ffffff"

# Shell assets the service worker keeps for offline use, besides /offline itself: everything
# the offline page (web/base.html) loads, so that it renders whole without a connection.
PRECACHE = [
    "/static/css/machi.css",
    "/static/vendor/tokens.css",
    "/static/vendor/htmx.min.js",
    "/static/js/machi.js",
    "/static/js/sw-register.js",
    "/static/icons/icon-192.png",
    "/static/icons/apple-touch-icon.png",
]
# Files whose change must reach installed apps: a new hash makes a new service worker.
VERSIONED_FILES = [
    PWA_DIR / "sw.js",
    *(STATIC_DIR / url.removeprefix("/static/") for url in PRECACHE),
    TEMPLATES_DIR / "base.html",
    TEMPLATES_DIR / "offline.html",
]


@cache
def asset_version() -> str:
    digest = hashlib.sha256()
    for file in VERSIONED_FILES:
        digest.update(file.name.encode())
        if file.exists():
            digest.update(file.read_bytes())
    return digest.hexdigest()[:12]


def precache_urls() -> list[str]:
    return ["/offline", *PRECACHE]


@get("/manifest.webmanifest", name="manifest", skip_session=True, include_in_schema=False)
async def manifest(request: Request[Any, Any, Any]) -> Response[str]:
    settings = request.app.state.settings
    body = {
        "id": "/",
        "name": _("Machi %(city)s", city=settings.municipality),
        "short_name": "Machi",
        "description": _("市民証、地域通貨、お知らせ、市のサービスをひとつのアプリで。"),
        "lang": request.state.get("locale", "ja"),
        "start_url": "/?source=pwa",
        "scope": "/",
        "display": "standalone",
        "orientation": "portrait",
        "theme_color": THEME_COLOR,
        "background_color": BACKGROUND_COLOR,
        "icons": [
            {"src": "/static/icons/icon-192.png", "sizes": "192x192", "type": "image/png"},
            {"src": "/static/icons/icon-512.png", "sizes": "512x512", "type": "image/png"},
            {
                "src": "/static/icons/icon-maskable-512.png",
                "sizes": "512x512",
                "type": "image/png",
                "purpose": "maskable",
            },
        ],
    }
    return Response(json.dumps(body, ensure_ascii=False), media_type="application/manifest+json")


@get("/sw.js", name="service_worker", skip_session=True, include_in_schema=False)
async def service_worker() -> Response[str]:
    source = (PWA_DIR / "sw.js").read_text()
    body = source.replace("__VERSION__", asset_version()).replace(
        "__PRECACHE__", json.dumps(precache_urls())
    )
    return Response(
        body,
        media_type="text/javascript",
        headers={"Service-Worker-Allowed": "/", "Cache-Control": "no-cache"},
    )


@get("/offline", name="offline", include_in_schema=False)
async def offline(request: Request[Any, Any, Any]) -> Response[str]:
    return render(request, "web/offline.html")


@get("/install", name="install", include_in_schema=False)
async def install(request: Request[Any, Any, Any]) -> Response[str]:
    return render(request, "web/install.html")


def route_handlers() -> list[HTTPRouteHandler]:
    return [manifest, service_worker, offline, install]
