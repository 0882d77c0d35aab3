"""testing.py: the fake shell, the fixtures and the contract check partners rely on."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import jwt
from litestar import Request, Response, Router, get
from machi_sdk import MiniApp, requires_scopes
from machi_sdk.testing import FakeShell, check_miniapp_contract, make_resident

from .apps import write_app_folder

PAGE = '{% extends "machi_sdk/base.html" %}{% block title %}x{% endblock %}'


@get("/guarded", guards=[requires_scopes("notify")])
async def guarded() -> str:
    return "ok"


@get("/bare")
async def bare() -> str:
    return "no scopes declared"


@get("/in-router")
async def in_router(request: Request[Any, Any, Any]) -> Response[str]:
    return Response("guarded by its router")


def test_fake_shell_mints_what_the_contract_says(fake_shell):
    token = fake_shell.token(
        "hello", sub="p-1", scopes=["profile.name"], claims={"profile.name": "花子"}, roles=["x"]
    )
    header = jwt.get_unverified_header(token)
    assert header == {"alg": "EdDSA", "kid": fake_shell.kid, "typ": "JWT"}
    claims = jwt.decode(token, options={"verify_signature": False})
    assert set(claims) == {
        "iss", "aud", "sub", "scope", "claims", "locale", "roles", "iat", "exp", "jti"
    }  # fmt: skip
    assert claims["exp"] - claims["iat"] == 300
    assert claims["iss"] == "http://localhost:8000"
    assert claims["aud"] == "hello"
    key = fake_shell.jwks()["keys"][0]
    assert set(key) == {"kty", "crv", "x", "kid", "use", "alg"}
    assert "d" not in key


def test_token_for_a_resident_round_trips(fake_shell, resident, tmp_path):
    someone = resident("p-7", scopes=["profile.name", "notify"], locale="en", app_id="hello")
    app = MiniApp(write_app_folder(tmp_path, "hello")).create_app(
        shell_url=fake_shell.issuer, keys=fake_shell.keys()
    )
    verified = app.state["machi_runtime"].verifier.verify(fake_shell.token_for(someone))
    assert verified == replace(someone, expires_at=verified.expires_at)


def test_resident_factory_fills_granted_claims_only(resident):
    someone = resident(scopes=["profile.name", "notify"])
    assert dict(someone.claims) == {"profile.name": "山田 花子"}
    assert make_resident(claims={"profile.name": "x"}).claim("profile.name") == "x"


def test_a_good_app_passes_the_contract(tmp_path):
    folder = write_app_folder(tmp_path, "good", templates={"good/page.html": PAGE})
    assert check_miniapp_contract(MiniApp(folder, route_handlers=[guarded])) == []
    assert check_miniapp_contract(folder) == []


def test_the_contract_names_each_problem(tmp_path):
    folder = write_app_folder(
        tmp_path,
        "shop",
        templates={
            "shop/page.html": PAGE.replace("title", "content"),
            "shop/_row.html": "<li>fragment</li>",
            "shop/broken.html": "{% block title %}",
        },
    )
    renamed = folder.rename(tmp_path / "shop-renamed")
    routers = [guarded, bare, Router("/r", route_handlers=[in_router], guards=[requires_scopes()])]
    problems = check_miniapp_contract(MiniApp(renamed, route_handlers=routers))
    assert any("must equal the folder name 'shop-renamed'" in p for p in problems)
    assert any("route /bare (bare) declares no scopes" in p for p in problems)
    assert not any("/guarded" in p or "/r/in-router" in p for p in problems)
    assert any("template shop/page.html has no {% block title %}" in p for p in problems)
    assert any("template shop/broken.html cannot be read" in p for p in problems)
    assert not any("_row.html" in p for p in problems)
    assert not any("OPTIONS" in p or "options" in p for p in problems)


def test_the_contract_reports_an_invalid_manifest_without_importing(tmp_path):
    folder = write_app_folder(tmp_path, "bad", scopes=("my_number",))
    (folder / "__init__.py").write_text("raise SystemExit('partner code ran')\n")
    problems = check_miniapp_contract(folder)
    assert problems
    assert all(p.startswith("manifest: ") for p in problems)
    assert check_miniapp_contract(tmp_path / "nowhere")[0].startswith("manifest: cannot read")


def test_the_fake_shell_fixture_is_fresh_each_time(fake_shell):
    assert isinstance(fake_shell, FakeShell)
    assert fake_shell.keys().kids == (fake_shell.kid,)
