"""The installable app: web app manifest, the service worker at root scope, the offline page."""

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
THEME_COLOR = "#0031d8"  # Digital Agency blue-900 (the design tokens' key colour)
BACKGROUND_COLOR = "#ffffff"

# Shell assets the service worker keeps for offline use, besides /offline itself.
PRECACHE = [
    "/static/css/machi.css",
    "/static/vendor/htmx.min.js",
    "/static/js/machi.js",
    "/static/icons/icon-192.png",
]


@cache
def asset_version() -> str:
    digest = hashlib.sha256()
    for path in ["sw.js", *(p.removeprefix("/static/") for p in PRECACHE)]:
        file = PWA_DIR / path if path == "sw.js" else STATIC_DIR / path
        if file.exists():
            digest.update(file.read_bytes())
    return digest.hexdigest()[:12]


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
        "__PRECACHE__", json.dumps(["/offline", *PRECACHE])
    )
    return Response(
        body,
        media_type="text/javascript",
        headers={"Service-Worker-Allowed": "/", "Cache-Control": "no-cache"},
    )


@get("/offline", name="offline", include_in_schema=False)
async def offline(request: Request[Any, Any, Any]) -> Response[str]:
    return render(request, "web/offline.html")


def route_handlers() -> list[HTTPRouteHandler]:
    return [manifest, service_worker, offline]
