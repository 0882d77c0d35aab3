"""app.py: the boot page, the token guard, scopes, rendering and headers of a built mini-app."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from litestar import Litestar, Request, Response, get, post
from machi_sdk import (
    ManifestError,
    MiniApp,
    PlatformDep,
    PlatformError,
    ResidentDep,
    StaticKeys,
    load_miniapp,
    render,
    requires_scopes,
)
from machi_sdk.testing import FakeShell, MemoryPlatform, miniapp_client

from .apps import write_app_folder

SHELL = "http://localhost:8000"
CALLS: list[str] = []

PAGE = """{% extends "machi_sdk/base.html" %}
{% block title %}{{ _("ようこそ") }}{% endblock %}
{% block content %}
<p id="who">{{ resident.id }}</p>
<p id="name">{{ name }}</p>
<p id="hello">{{ _("こんにちは") }}</p>
{% endblock %}
"""


@get("/", name="demo:index", guards=[requires_scopes()])
async def index(request: Request[Any, Any, Any], resident: ResidentDep) -> Response[str]:
    CALLS.append("index")
    return render(request, "demo/index.html", {"name": resident.claim("profile.name", "")})


@post("/notes", name="demo:note", guards=[requires_scopes("notify")])
async def note(resident: ResidentDep, platform: PlatformDep) -> str:
    CALLS.append("note")
    await platform.notify(resident, "お知らせ", "本文", "/")
    return "sent"


@get("/visits", name="demo:visit", guards=[requires_scopes()])
async def visit(platform: PlatformDep) -> str:
    try:
        await platform.kpi("visits")
    except PlatformError as exc:
        return exc.code
    return "counted"


@post("/storage", name="demo:storage", guards=[requires_scopes("storage")])
async def storage(resident: ResidentDep, platform: PlatformDep) -> dict[str, Any]:
    await platform.storage_set(resident, "stamps", 3)
    return {"stamps": await platform.storage_get(resident, "stamps")}


@pytest.fixture(name="miniapp")
def fx_miniapp(tmp_path: Path) -> MiniApp:
    folder = write_app_folder(
        tmp_path, "demo", permissions=("camera",), templates={"demo/index.html": PAGE}
    )
    catalog = Catalog(locale="en", domain="demo")
    catalog.add("こんにちは", "Hello")
    mo = folder / "locales" / "en" / "LC_MESSAGES" / "demo.mo"
    mo.parent.mkdir(parents=True)
    with mo.open("wb") as handle:
        write_mo(handle, catalog)
    return MiniApp(folder, route_handlers=[index, note, visit, storage])


@pytest.fixture(name="shell")
def fx_shell() -> FakeShell:
    return FakeShell(SHELL)


@pytest.fixture(name="memory")
def fx_memory() -> MemoryPlatform:
    return MemoryPlatform("demo")


@pytest.fixture(name="app")
def fx_app(shell: FakeShell, miniapp: MiniApp, memory: MemoryPlatform) -> Litestar:
    CALLS.clear()
    return shell.create_app(miniapp, platform=memory.platform)


def name_token(shell: FakeShell, **kwargs: Any) -> str:
    return shell.token(
        "demo",
        sub="pairwise-9",
        scopes=["profile.name", "notify"],
        claims={"profile.name": "山田 花子"},
        **kwargs,
    )


def assert_mini_app_headers(response: Any) -> None:
    csp = response.headers["content-security-policy"]
    assert f"frame-ancestors {SHELL}" in csp
    assert f"script-src 'self' {SHELL}" in csp
    assert "default-src 'self'" in csp
    assert "object-src 'none'" in csp
    assert "base-uri 'none'" in csp
    assert "Authorization" in response.headers["vary"]
    assert "HX-Request" in response.headers["vary"]
    assert "set-cookie" not in response.headers
    assert "x-frame-options" not in response.headers


async def test_the_boot_page_has_nothing_personal(app):
    async with miniapp_client(app) as client:
        response = await client.get("/?tab=2", headers={"Sec-Fetch-Dest": "iframe"})
    assert response.status_code == 200
    assert_mini_app_headers(response)
    text = response.text
    assert f'<meta name="machi-shell" content="{SHELL}">' in text
    assert '<meta name="machi-app" content="demo">' in text
    assert f'src="{SHELL}/sdk/machi.js"' in text
    assert f'src="{SHELL}/static/vendor/htmx.min.js"' in text
    assert f'href="{SHELL}/static/css/machi.css"' in text
    assert 'hx-get="/?tab=2"' in text
    assert 'hx-trigger="machi:ready from:body' in text
    assert 'id="who"' not in text
    assert "山田" not in text
    assert "<script>" not in text
    assert " style=" not in text
    assert response.headers["cache-control"] == "no-cache"
    assert CALLS == []


async def test_the_apps_styles_and_scripts_are_in_the_head_of_every_full_page(tmp_path, shell):
    # Pages after the boot page arrive as htmx fragments without <head>: the boot page (and any
    # other full page) must link the app's stylesheets itself.
    folder = write_app_folder(tmp_path, "demo", templates={"demo/index.html": PAGE})
    miniapp = MiniApp(
        folder,
        route_handlers=[index],
        scripts=["/static/demo/app.js"],
        styles=["/static/demo/demo.css", "/colours.css"],
    )
    async with miniapp_client(shell.create_app(miniapp)) as anonymous:
        boot = await anonymous.get("/", headers={"Sec-Fetch-Dest": "iframe"})
    async with miniapp_client(shell.create_app(miniapp), name_token(shell)) as client:
        page = await client.get("/")
        fragment = await client.get("/", headers={"HX-Request": "true"})
    for full in (boot.text, page.text):
        head = full.split("</head>")[0]
        assert '<link rel="stylesheet" href="/static/demo/demo.css">' in head
        assert '<link rel="stylesheet" href="/colours.css">' in head
        assert '<script src="/static/demo/app.js" defer></script>' in head
        # the city's design first, the app's own after it (so the app's rules win)
        assert head.index("/static/css/machi.css") < head.index("/static/demo/demo.css")
    assert "demo.css" not in fragment.text


@pytest.mark.parametrize(
    "styles", [["https://cdn.example/x.css"], ["//cdn.example/x.css"], "/a.css"]
)
def test_styles_are_paths_on_the_apps_own_origin(tmp_path, styles):
    folder = write_app_folder(tmp_path, "demo", templates={"demo/index.html": PAGE})
    with pytest.raises(ValueError, match="styles"):
        MiniApp(folder, route_handlers=[index], styles=styles)


async def test_the_boot_page_escapes_the_url(app):
    async with miniapp_client(app) as client:
        response = await client.get('/?q="><img src=x onerror=alert(1)>')
    assert "<img src=x" not in response.text
    assert "onerror=alert(1)&gt;" in response.text or "%3Cimg" in response.text


async def test_the_boot_page_speaks_the_browsers_language(app):
    async with miniapp_client(app) as client:
        english = await client.get("/", headers={"Accept-Language": "en-US,en;q=0.9"})
        japanese = await client.get("/")
    assert '<html lang="en">' in english.text
    assert "Loading" in english.text
    assert '<html lang="ja">' in japanese.text
    assert "読み込んでいます" in japanese.text


@pytest.mark.parametrize(
    ("method", "headers"),
    [
        ("GET", {"HX-Request": "true"}),
        ("GET", {"Sec-Fetch-Dest": "empty"}),
        ("GET", {"Sec-Fetch-Dest": "script"}),
        ("POST", {}),
        ("GET", {"Authorization": "Basic dXNlcjpwYXNz"}),
        ("GET", {"Authorization": "Bearer"}),
    ],
)
async def test_without_a_token_only_documents_get_the_boot_page(app, method, headers):
    async with miniapp_client(app) as client:
        response = await client.request(
            method, "/notes" if method == "POST" else "/", headers=headers
        )
    assert response.status_code == 401
    assert response.headers["www-authenticate"].startswith("Bearer")
    assert CALLS == []


async def test_with_a_token_the_handler_sees_the_resident(app, shell):
    async with miniapp_client(app, name_token(shell)) as client:
        response = await client.get("/")
    assert response.status_code == 200
    assert '<p id="who">pairwise-9</p>' in response.text
    assert '<p id="name">山田 花子</p>' in response.text
    assert "<title>ようこそ | デモ</title>" in response.text
    assert response.headers["cache-control"] == "no-store, private"
    assert_mini_app_headers(response)
    assert CALLS == ["index"]


async def test_htmx_gets_the_block_and_boosted_links_the_page(app, shell):
    async with miniapp_client(app, name_token(shell), htmx=True) as client:
        fragment = await client.get("/")
        boosted = await client.get("/", headers={"HX-Boosted": "true"})
        restore = await client.get("/", headers={"HX-History-Restore-Request": "true"})
    assert fragment.text.startswith("<title>ようこそ | デモ</title>\n")
    assert '<p id="who">pairwise-9</p>' in fragment.text
    assert "<html" not in fragment.text
    assert "<html" in boosted.text
    assert "<html" in restore.text
    assert "HX-Request" in fragment.headers["vary"]


async def test_templates_speak_the_residents_language(app, shell):
    async with miniapp_client(app, name_token(shell, locale="en")) as client:
        english = await client.get("/")
    async with miniapp_client(app, name_token(shell, locale="ja")) as client:
        japanese = await client.get("/")
    assert '<html lang="en">' in english.text
    assert '<p id="hello">Hello</p>' in english.text
    assert '<html lang="ja">' in japanese.text
    assert '<p id="hello">こんにちは</p>' in japanese.text


async def test_a_missing_scope_is_403_and_changes_nothing(app, shell, memory):
    token = shell.token("demo", scopes=["profile.name"], locale="ja")
    async with miniapp_client(app, token) as client:
        response = await client.post("/notes")
    assert response.status_code == 403
    assert "「お知らせの送信」の許可が必要です" in response.text
    assert CALLS == []
    assert memory.notifications == []


async def test_the_403_message_is_in_english_for_english_residents(app, shell):
    token = shell.token("demo", scopes=[], locale="en")
    async with miniapp_client(app, token, htmx=True) as client:
        response = await client.post("/notes")
    assert response.status_code == 403
    assert "please allow “sending you notifications”" in response.text
    assert "<html" not in response.text


async def test_with_the_scope_the_action_runs(app, shell, memory):
    async with miniapp_client(app, name_token(shell)) as client:
        response = await client.post("/notes")
    assert response.status_code == 201
    assert response.text == "sent"
    assert memory.notifications == [
        {"resident": "pairwise-9", "title": "お知らせ", "body": "本文", "url": "/"}
    ]


async def test_the_platform_keeps_storage_per_resident(app, shell, memory):
    token = shell.token("demo", sub="p-1", scopes=["storage"])
    async with miniapp_client(app, token) as client:
        response = await client.post("/storage")
    assert response.json() == {"stamps": 3}
    assert memory.storage == {("p-1", "stamps"): 3}


@pytest.mark.parametrize(
    ("make_token", "headers", "expected"),
    [
        (lambda s: name_token(s) + "x", {}, "本人確認ができませんでした"),
        (lambda s: name_token(s, ttl=-120), {}, "本人確認ができませんでした"),
        (lambda s: name_token(s, ttl=-120, locale="en"), {}, "We could not confirm who you are"),
        (lambda s: s.token("other-app", locale="en"), {}, "We could not confirm who you are"),
        (lambda s: "junk", {"Accept-Language": "en"}, "We could not confirm who you are"),
        (lambda s: "junk", {"Accept-Language": "fr, ja;q=0.5"}, "本人確認ができませんでした"),
        (lambda s: "junk", {"Accept-Language": "vi"}, "Không xác nhận được"),  # SDK ships vi
        (lambda s: FakeShell(SHELL).token("demo"), {}, "本人確認ができませんでした"),
    ],
)
async def test_a_bad_token_is_401_in_the_residents_language(
    app, shell, make_token, headers, expected
):
    async with miniapp_client(app, make_token(shell), htmx=True) as client:
        get_response = await client.get("/", headers=headers)
        post_response = await client.post("/notes", headers=headers)
    for response in (get_response, post_response):
        assert response.status_code == 401
        assert expected in response.text
        assert 'error="invalid_token"' in response.headers["www-authenticate"]
        assert_mini_app_headers(response)
    assert CALLS == []


async def test_static_files_need_no_token(app):
    async with miniapp_client(app) as client:
        response = await client.get("/static/demo/icon.svg")
    assert response.status_code == 200
    assert response.text.startswith("<svg")
    assert_mini_app_headers(response)


async def test_unknown_paths_are_404_with_the_headers(app, shell):
    async with miniapp_client(app, name_token(shell)) as client:
        response = await client.get("/nowhere")
    assert response.status_code == 404
    assert_mini_app_headers(response)


async def test_permissions_policy_follows_the_manifest(app):
    async with miniapp_client(app) as client:
        policy = (await client.get("/")).headers["permissions-policy"]
    assert "camera=(self)" in policy
    assert "geolocation=()" in policy
    assert "microphone=()" in policy


async def test_without_a_platform_calls_fail_loudly(miniapp, shell):
    app = shell.create_app(miniapp)
    async with miniapp_client(app, name_token(shell)) as client:
        response = await client.get("/visits")
    assert response.text == "unavailable"


async def test_with_a_platform_kpis_count(app, shell, memory):
    async with miniapp_client(app, name_token(shell)) as client:
        await client.get("/visits")
        await client.get("/visits")
    assert memory.kpis == {"visits": 2}


def test_create_app_wants_exactly_one_key_source(miniapp, shell):
    with pytest.raises(ValueError):
        miniapp.create_app(shell_url=SHELL)
    with pytest.raises(ValueError):
        miniapp.create_app(shell_url=SHELL, keys=shell.keys(), jwks_url=f"{SHELL}/jwks")
    miniapp.create_app(shell_url=SHELL, jwks_url=f"{SHELL}/.well-known/jwks.json")


def test_one_definition_builds_many_apps(miniapp):
    first = miniapp.create_app(shell_url=SHELL, keys=FakeShell().keys())
    second = miniapp.create_app(shell_url="https://app.city.example", keys=StaticKeys({"keys": []}))
    assert first.state["machi_runtime"].shell_url == SHELL
    assert second.state["machi_runtime"].shell_url == "https://app.city.example"


def test_requires_scopes_knows_the_scopes():
    with pytest.raises(ValueError, match="unknown scope"):
        requires_scopes("profile.my_number")


def test_load_miniapp_checks_the_manifest_before_importing(tmp_path):
    folder = write_app_folder(tmp_path, "imported")
    marker = tmp_path / "imported.ran"
    (folder / "__init__.py").write_text(
        "from pathlib import Path\n"
        "from machi_sdk import MiniApp\n"
        f"Path({str(marker)!r}).write_text('ran')\n"
        "MINIAPP = MiniApp(Path(__file__).parent)\n"
    )
    assert load_miniapp(folder).id == "imported"
    assert marker.exists()

    renamed = tmp_path / "renamed"
    folder.rename(renamed)
    marker.unlink()
    with pytest.raises(ManifestError, match="must equal the folder name"):
        load_miniapp(renamed)
    assert not marker.exists()


@get("/loose", name="demo:loose", guards=[requires_scopes()])
async def loose() -> Response[str]:
    """A handler that sends its own versions of headers the SDK sets."""
    return Response(
        "<p>loose</p>",
        media_type="text/html",
        headers={
            "Vary": "Accept",
            "Content-Security-Policy": "default-src *",
            "Referrer-Policy": "unsafe-url",
            "Cache-Control": "max-age=60",
        },
    )


async def test_the_sdk_headers_win_over_a_handlers_own_and_come_once(miniapp, shell, memory):
    miniapp.route_handlers.append(loose)
    app = shell.create_app(miniapp, platform=memory.platform)
    async with miniapp_client(app, name_token(shell)) as client:
        response = await client.get("/loose")
    assert response.status_code == 200
    assert_mini_app_headers(response)
    assert response.headers.get_list("content-security-policy") != ["default-src *"]
    assert len(response.headers.get_list("content-security-policy")) == 1
    assert response.headers.get_list("referrer-policy") == ["strict-origin-when-cross-origin"]
    assert response.headers.get_list("vary") == ["Accept, Authorization, HX-Request"]
    assert response.headers.get_list("cache-control") == ["max-age=60"]  # the handler's own
    assert response.headers["x-content-type-options"] == "nosniff"
