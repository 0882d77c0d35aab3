"""machi_sdk.offline: the SDK's service worker for use without network, served by the app."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from litestar import Request, Response, get
from machi_sdk import MiniApp, Offline, render, requires_scopes
from machi_sdk.offline import worker_script
from machi_sdk.testing import FakeShell, miniapp_client

from .apps import write_app_folder

SHELL = "http://localhost:8000"
PAGE = """{% extends "machi_sdk/base.html" %}
{% block title %}x{% endblock %}
{% block content %}<p data-machi-keep-offline="/offline/3">x</p>{% endblock %}
"""


def settings(script: bytes) -> dict:
    first, _, _ = script.partition(b"\n")
    assert first.startswith(b"self.MACHI_OFFLINE = ")
    return json.loads(first.removeprefix(b"self.MACHI_OFFLINE = ").rstrip(b";"))


@get("/", name="demo:index", guards=[requires_scopes()])
async def index(request: Request) -> Response[str]:
    return render(request, "demo/index.html", {})


def app(tmp_path: Path, offline: Offline | None) -> MiniApp:
    folder = write_app_folder(tmp_path, "demo", templates={"demo/index.html": PAGE})
    return MiniApp(folder, route_handlers=[index], offline=offline)


async def test_an_app_with_an_offline_page_serves_the_worker_at_its_root(tmp_path: Path):
    miniapp = app(tmp_path, Offline(assets=("/static/demo/demo.css",)))
    async with miniapp_client(FakeShell(SHELL).create_app(miniapp)) as client:
        worker = await client.get("/sw.js")  # no token: the browser fetches it by itself
        boot = await client.get("/", headers={"Sec-Fetch-Dest": "iframe"})
    assert worker.status_code == 200
    assert worker.headers["content-type"].startswith("text/javascript")
    assert worker.headers["service-worker-allowed"] == "/"
    assert worker.headers["cache-control"] == "no-cache"
    config = settings(worker.content)
    assert config["page"] == "/offline"
    assert config["assets"] == ["/static/demo/demo.css"]
    assert config["cache"].startswith("demo-offline-")
    assert "machi:keep-offline" in worker.text
    # Pages tell machi.js that the app has a worker to keep pages with.
    assert '<meta name="machi-offline" content="/sw.js">' in boot.text


async def test_an_app_without_one_has_no_worker(tmp_path: Path):
    miniapp = app(tmp_path, None)
    async with miniapp_client(FakeShell(SHELL).create_app(miniapp)) as client:
        worker = await client.get("/sw.js")
        boot = await client.get("/", headers={"Sec-Fetch-Dest": "iframe"})
    assert worker.status_code in {401, 404}
    assert 'name="machi-offline"' not in boot.text


def test_a_new_version_keeps_its_pages_in_a_new_cache():
    one = settings(worker_script("demo", Offline(assets=("/a.css",))))
    same = settings(worker_script("demo", Offline(assets=("/a.css",))))
    other = settings(worker_script("demo", Offline(assets=("/a.css", "/b.js"))))
    assert one["cache"] == same["cache"]
    assert one["cache"] != other["cache"]
    assert one["prefix"] == other["prefix"] == "demo-offline-"


@pytest.mark.parametrize("bad", [{"page": "offline"}, {"page": "/"},
                                 {"assets": ("//cdn.example/x.js",)},
                                 {"assets": ("https://cdn.example/x.js",)}])  # fmt: skip
def test_offline_paths_are_on_the_apps_own_origin(bad):
    with pytest.raises(ValueError, match="own origin"):
        Offline(**bad)
