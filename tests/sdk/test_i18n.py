"""Languages in a mini-app: the closest language the app ships, the SDK's own gettext domain, and
``lang`` on fragments written in another language than the page."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from litestar import Request, Response, get
from machi_sdk import MiniApp, ResidentDep, render, requires_scopes
from machi_sdk.i18n import best_language, catalog_name, fallbacks, sdk_gettext, sdk_language
from machi_sdk.scopes import scope_label
from machi_sdk.testing import FakeShell, miniapp_client
from machi_sdk.web import message

from .apps import write_app_folder

SHELL = "http://localhost:8000"
PAGE = """{% extends "machi_sdk/base.html" %}
{% block title %}{{ _("ようこそ") }}{% endblock %}
{% block content %}<p id="hello">{{ _("こんにちは") }}</p>{% endblock %}
"""


@get("/", name="demo:index", guards=[requires_scopes()])
async def index(request: Request[Any, Any, Any], resident: ResidentDep) -> Response[str]:
    return render(request, "demo/index.html")


@get("/wallet", name="demo:wallet", guards=[requires_scopes("wallet.pay")])
async def wallet() -> str:
    return "never"


def _app(tmp_path: Path, shipped: dict[str, str]) -> MiniApp:
    folder = write_app_folder(tmp_path, "demo", templates={"demo/index.html": PAGE})
    for code, hello in shipped.items():
        catalog = Catalog(locale=code.split("_")[0], domain="demo")
        catalog.add("こんにちは", hello)
        mo = folder / "locales" / code / "LC_MESSAGES" / "demo.mo"
        mo.parent.mkdir(parents=True)
        with mo.open("wb") as handle:
            write_mo(handle, catalog)
    return MiniApp(folder, route_handlers=[index, wallet])


@pytest.mark.parametrize(
    ("code", "chain"),
    [
        ("vi", ["vi", "en", "ja"]),
        ("ja-x-easy", ["ja-x-easy", "ja"]),
        ("zh-Hant", ["zh-Hant", "zh", "en", "ja"]),
        ("pt-BR", ["pt-BR", "pt", "en", "ja"]),
        ("en", ["en", "ja"]),
        ("ja", ["ja"]),
    ],
)
def test_fallback_chains(code, chain):
    assert fallbacks(code) == chain


def test_catalog_folders_and_best_language():
    assert catalog_name("ja-x-easy") == "ja_easy"
    assert catalog_name("zh-Hans") == "zh_Hans"
    assert best_language("vi", lambda c: c in {"en"}) == "en"
    assert best_language("vi", lambda c: False) == "ja"
    assert best_language("ja-x-easy", lambda c: c == "en") == "ja"
    assert best_language("zh-Hans", lambda c: c in {"zh-Hans", "en"}) == "zh-Hans"


def test_the_sdks_own_texts_are_a_gettext_domain():
    assert sdk_language("fr") == "en"  # a language the SDK does not ship: English
    assert sdk_language("ja-x-easy") == "ja-x-easy"  # the SDK ships Easy Japanese itself
    assert sdk_language("ja-x-other") == "ja"  # a Japanese it does not ship: Japanese
    assert sdk_gettext("読み込んでいます…", "en") == "Loading…"
    assert message("forbidden", "fr", scopes="x") == "To use this page, please allow “x”."
    assert scope_label("profile.name", "en") == "your name"
    assert scope_label("profile.name", "ja") == "お名前"
    assert scope_label("made.up", "en") == "made.up"


async def test_a_vietnamese_resident_reads_an_app_that_ships_ja_and_en_in_english(tmp_path):
    shell = FakeShell(SHELL)
    app = shell.create_app(_app(tmp_path, {"en": "Hello", "vi": "Xin chào"}))
    other = shell.create_app(_app(tmp_path / "b", {"en": "Hello"}))
    async with miniapp_client(app, shell.token("demo", locale="vi")) as client:
        vietnamese = await client.get("/")
    async with miniapp_client(other, shell.token("demo", locale="vi")) as client:
        fallback = await client.get("/", headers={"HX-Request": "true"})
    async with miniapp_client(other, shell.token("demo", locale="ja-x-easy")) as client:
        easy = await client.get("/")
    assert '<html lang="vi">' in vietnamese.text
    assert '<p id="hello">Xin chào</p>' in vietnamese.text
    assert fallback.headers["content-language"] == "en"  # machi.js sets <html lang> from it
    assert '<p id="hello">Hello</p>' in fallback.text
    assert '<html lang="ja">' in easy.text  # Easy Japanese falls back to Japanese, not English
    assert '<p id="hello">こんにちは</p>' in easy.text


async def test_sdk_texts_in_another_language_than_the_page_say_so(tmp_path):
    shell = FakeShell(SHELL)
    app = shell.create_app(_app(tmp_path, {}))  # ships Japanese only
    # French: neither the app nor the SDK ships it; the SDK's texts fall back to English
    async with miniapp_client(app, shell.token("demo", locale="fr")) as client:
        page = await client.get("/")
        refused = await client.get("/wallet")
    async with miniapp_client(app) as client:
        boot = await client.get("/", headers={"Accept-Language": "fr"})
    assert '<html lang="ja">' in page.text
    assert 'data-machi-read-aloud data-testid="machi-read-aloud" lang="en"' in page.text
    assert refused.status_code == 403
    error = 'data-testid="machi-error" lang="en">To use this page, please allow “asking you to pay”'
    assert error in refused.text
    assert '<html lang="ja">' in boot.text
    assert 'lang="en"' in boot.text
    assert "Loading…" in boot.text


def test_the_page_language_is_remembered_per_locale_and_bounded(tmp_path):
    """Asked on every page: the answer stays the catalog's, for a bounded number of locales."""
    from machi_sdk import app as app_module

    app = _app(tmp_path, {"en": "Hello"})
    assert [app.language_for(c) for c in ("vi", "en", "ja-x-easy", "vi")] == [
        "en",
        "en",
        "ja",
        "en",
    ]
    for n in range(app_module._MAX_LOCALES + 50):
        assert app.language_for(f"x{n:03d}") == "en"  # unknown tags read English, then Japanese
    assert len(app._languages) <= app_module._MAX_LOCALES
    assert app.language_for("vi") == "en"
