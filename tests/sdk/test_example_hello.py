"""sdk/examples/hello: the example a partner copies, and the app the end-to-end tests mount."""

from __future__ import annotations

from pathlib import Path

import pytest
from machi_sdk import load_miniapp
from machi_sdk.testing import check_miniapp_contract, miniapp_client

HELLO = Path(__file__).resolve().parents[2] / "sdk" / "examples" / "hello"


@pytest.fixture(name="hello")
def fx_hello():
    return load_miniapp(HELLO)


def test_hello_passes_the_contract(hello):
    assert check_miniapp_contract(hello) == []
    assert hello.manifest.scopes == ("profile.name", "storage")
    assert [kpi.id for kpi in hello.manifest.kpis] == ["visits"]


def test_the_factory_builds_the_app(hello, fake_shell):
    import sys

    module = sys.modules["machi_miniapp_hello"]
    app = module.MINIAPP_FACTORY(shell_url=fake_shell.issuer, keys=fake_shell.keys())
    assert app.state["machi_runtime"].manifest.id == "hello"


async def test_hello_greets_by_the_granted_name(hello, fake_shell):
    app = fake_shell.create_app(hello)
    token = fake_shell.token(
        "hello", sub="pw-42", scopes=["profile.name"], claims={"profile.name": "山田 花子"}
    )
    async with miniapp_client(app, token, htmx=True) as client:
        response = await client.get("/")
    assert response.status_code == 200
    assert "こんにちは、山田 花子さん" in response.text
    assert 'data-testid="hello-pairwise-id">pw-42<' in response.text


async def test_hello_cannot_see_the_district(hello, fake_shell):
    app = fake_shell.create_app(hello)
    token = fake_shell.token("hello", scopes=["profile.name"], claims={"profile.name": "花子"})
    async with miniapp_client(app, token, htmx=True) as client:
        response = await client.get("/district")
    assert response.status_code == 403
    assert "「お住まいの地区」の許可が必要です" in response.text


async def test_hello_boots_without_a_token(hello, fake_shell):
    app = fake_shell.create_app(hello)
    async with miniapp_client(app) as client:
        response = await client.get("/")
    assert response.status_code == 200
    assert 'data-machi-boot hx-get="/"' in response.text
    assert "hello-greeting" not in response.text


async def test_hello_counts_visits_with_platform_storage(hello, fake_shell, memory_platform):
    platform = memory_platform("hello")
    app = fake_shell.create_app(hello, platform=platform.platform)
    token = fake_shell.token(
        "hello", scopes=["profile.name", "storage"], claims={"profile.name": "山田 花子"}
    )
    async with miniapp_client(app, token, htmx=True) as client:
        first = await client.get("/")
        second = await client.get("/")
    assert 'data-testid="hello-visits">1<' in first.text
    assert 'data-testid="hello-visits">2<' in second.text
    assert platform.kpis == {"visits": 2}


async def test_hello_greets_without_the_counter_when_storage_is_not_granted(hello, fake_shell):
    app = fake_shell.create_app(hello)
    token = fake_shell.token("hello", scopes=["profile.name"], claims={"profile.name": "花子"})
    async with miniapp_client(app, token, htmx=True) as client:
        response = await client.get("/")
    assert "こんにちは、花子さん" in response.text
    assert "hello-visits" not in response.text
