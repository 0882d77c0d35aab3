"""The registration form's rules and the automated review checks, as tables."""

from __future__ import annotations

import re
import tomllib

import pytest

from shell.developer import checks
from shell.web import i18n
from tests.helpers.partner import manifest, partner_site

SHELL = "https://localhost"


@pytest.mark.parametrize(
    ("value", "origin", "ok"),
    [
        ("https://Shop.Example.jp/", "https://shop.example.jp", True),
        ("https://shop.example.jp:8443", "https://shop.example.jp:8443", True),
        ("http://shop.localhost:8001", "http://shop.localhost:8001", True),
        ("http://localhost:8001", "http://localhost:8001", True),
        ("http://shop.example.jp", "", False),
        ("https://shop.example.jp/app", "", False),
        ("ftp://shop.example.jp", "", False),
        ("shop.example.jp", "", False),
    ],
)
def test_origin_rules(value, origin, ok):
    normalized, error = checks.normalize_origin(value)
    assert (normalized, bool(error)) == (origin, not ok)


@pytest.mark.parametrize(
    ("csp", "verdict"),
    [
        ([], "no_csp"),
        (["default-src 'self'"], "no_frame_ancestors"),
        (["default-src 'self'; frame-ancestors https://localhost"], "ok"),
        (["frame-ancestors https://localhost:443 'self'"], "ok"),
        (["frame-ancestors https://*.localhost"], "shell_not_allowed"),
        (["frame-ancestors http://localhost"], "ok"),  # http sources also match https
        (["frame-ancestors 'none'"], "shell_not_allowed"),
        (["frame-ancestors https://evil.example"], "shell_not_allowed"),
        (["frame-ancestors *"], "too_broad"),
        (["frame-ancestors https:"], "too_broad"),
    ],
)
def test_frame_ancestors_verdicts(csp, verdict):
    assert checks.frame_ancestors_verdict(csp, SHELL)[0] == verdict


def test_scopes_unknown_to_the_sdk_are_forbidden_and_resident_verified_is_allowed():
    assert checks.check_scopes({"scopes": ["profile.name", "resident.verified"]})["passed"]
    refused = checks.check_scopes({"scopes": ["profile.name", "my_number"]})
    assert not refused["passed"]
    assert refused["params"] == {"scopes": "my_number"}


def test_every_manifest_problem_is_said_in_japanese():
    bad = """
id = "X"
version = "one"
publisher = ""
icon = "../icon.gif"
sdk = ">=9"
scopes = ["profile.name", "profile.name", "my_number"]
permissions = "camera"
colour = "red"
kpis = [{ id = "A", name = { ja = "" }, bogus = 1 }]
roles = "editor"
[name]
en = "No Japanese"
Xx = "?"
"""
    i18n.set_locale("ja")
    data = tomllib.loads(bad)
    _data, problems = checks.read_manifest(bad)
    assert len(problems) >= 12, problems
    for problem in problems:
        assert not re.search(r"\b(must|missing|unknown|needs|is not)\b", problem), problem
    assert any("「colour」という項目はありません" in p for p in problems)
    assert data["id"] == "X"


def test_problems_follow_the_readers_language():
    i18n.set_locale("en")
    try:
        _data, problems = checks.read_manifest('id = "x1"')
    finally:
        i18n.set_locale("ja")
    assert "“publisher” is missing." in problems


def test_broken_toml_is_one_problem():
    _data, problems = checks.read_manifest('id = "x"\nname = [')
    assert len(problems) == 1
    assert problems[0].startswith("TOML として読めません")


async def test_origin_check_fetches_the_partner_page():
    good = {"manifest_text": manifest(), "origin": ""}
    with partner_site(f"frame-ancestors {SHELL}") as origin:
        results = await checks.run_checks({**good, "origin": origin}, SHELL)
        assert [r["passed"] for r in results] == [True, True, True]
    with partner_site("frame-ancestors 'self'") as origin:
        result = await checks.check_frame_ancestors(origin, SHELL)
        assert (result["passed"], result["code"]) == (False, "shell_not_allowed")
    with partner_site(None) as origin:
        pass
    result = await checks.check_frame_ancestors(origin, SHELL)  # the server is gone
    assert (result["passed"], result["code"]) == (False, "unreachable")
