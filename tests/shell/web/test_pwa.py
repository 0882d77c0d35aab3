"""The installable app's server side: manifest, service worker, offline and install pages."""

from __future__ import annotations

import json
import re
import struct
from pathlib import Path

import pytest

from shell.web import pwa


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


async def test_manifest_has_what_installing_needs(client, db):
    response = await client.get("/manifest.webmanifest")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/manifest+json")
    manifest = response.json()
    assert manifest["name"] == "Machi 武雄市"
    assert manifest["short_name"] == "Machi"
    assert manifest["id"] == "/"
    assert manifest["start_url"] == "/?source=pwa"
    assert manifest["scope"] == "/"
    assert manifest["display"] == "standalone"
    assert manifest["theme_color"] == "#0031d8"
    assert manifest["background_color"] == "#ffffff"
    assert manifest["lang"] == "ja"
    assert manifest["description"]
    purposes = {(icon["sizes"], icon.get("purpose", "any")) for icon in manifest["icons"]}
    assert purposes == {("192x192", "any"), ("512x512", "any"), ("512x512", "maskable")}


async def test_manifest_icons_are_served_at_the_sizes_they_claim(client, db):
    manifest = (await client.get("/manifest.webmanifest")).json()
    icons = [*manifest["icons"], {"src": "/static/icons/apple-touch-icon.png", "sizes": "180x180"}]
    for icon in icons:
        response = await client.get(icon["src"])
        assert response.status_code == 200, icon["src"]
        assert response.headers["content-type"] == "image/png"
        assert "x".join(map(str, png_size(response.content))) == icon["sizes"], icon["src"]


async def test_service_worker_is_served_with_its_version_and_precache_filled_in(client, db):
    response = await client.get("/sw.js")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/javascript")
    assert response.headers["service-worker-allowed"] == "/"
    assert response.headers["cache-control"] == "no-cache"
    body = response.text
    assert "__VERSION__" not in body
    assert "__PRECACHE__" not in body
    assert f'const VERSION = "{pwa.asset_version()}";' in body
    assert re.fullmatch(r"[0-9a-f]{12}", pwa.asset_version())
    match = re.search(r"^const PRECACHE = (.*);$", body, flags=re.M)
    assert match
    precache = json.loads(match.group(1))
    assert precache == pwa.precache_urls()
    assert precache[0] == "/offline"
    assert {"/static/css/machi.css", "/static/vendor/tokens.css"} <= set(precache)


async def test_everything_the_service_worker_precaches_is_served(client, db):
    # One missing file and the worker's install fails: no offline page at all.
    for url in pwa.precache_urls():
        response = await client.get(url)
        assert response.status_code == 200, url


def test_asset_version_changes_with_any_versioned_file(tmp_path: Path, monkeypatch):
    files = [tmp_path / "sw.js", tmp_path / "machi.css"]
    for file in files:
        file.write_text("one")
    monkeypatch.setattr(pwa, "VERSIONED_FILES", files)
    pwa.asset_version.cache_clear()
    try:
        before = pwa.asset_version()
        files[1].write_text("two")
        pwa.asset_version.cache_clear()
        assert pwa.asset_version() != before
    finally:
        pwa.asset_version.cache_clear()


@pytest.mark.parametrize("url", pwa.precache_urls()[1:])
def test_every_precached_static_file_is_versioned(url: str):
    assert pwa.STATIC_DIR / url.removeprefix("/static/") in pwa.VERSIONED_FILES


async def test_offline_page_says_what_happened_and_offers_a_retry(client, db):
    response = await client.get("/offline")
    assert response.status_code == 200
    assert "インターネットにつながっていません" in response.text
    assert "つながっていなくてもできること" in response.text
    assert 'data-testid="offline-retry"' in response.text


async def test_install_page_explains_iphone_and_android(client, db):
    response = await client.get("/install")
    assert response.status_code == 200
    page = response.text
    assert 'data-testid="install-ios"' in page
    assert 'data-testid="install-android"' in page
    assert "ホーム画面に追加" in page
    assert "アプリをインストール" in page
    nonce = response.headers["content-security-policy"].split("'nonce-")[1].split("'")[0]
    assert f'<script src="/static/js/install.js" defer nonce="{nonce}"></script>' in page
    # the button waits for Chrome's prompt; without it the section stays hidden
    assert re.search(r"<section[^>]*data-install-prompt hidden", page)
