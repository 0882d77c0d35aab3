"""Every page of the shell, in every enabled language, asks its catalog only for messages it has.

The pages are every GET route of the app without a path parameter that answers HTML (the API,
static files, feeds and the like are left out by prefix), seen signed out and as a resident who
is also a staff member holding every role (a resident's pages are the same without the staff
menu). While they render, ``shell.web.i18n``
collects each message the language's own catalog lacks (a fallback to English or to the Japanese
msgid would hide it on screen). A page that fails (5xx) fails too.
"""

from __future__ import annotations

from typing import Any

import pytest
from litestar.routes import HTTPRoute

from shell.staff.actions import grant_role
from shell.staff.permissions import ROLES
from shell.web import i18n
from tests.conftest import make_client
from tests.helpers.authenticator import SoftAuthenticator
from tests.helpers.flows import csrf_headers, prime, signup

# Not pages: the Platform API, files, machine-readable documents, endpoints scripts call.
NOT_PAGES = (
    "/api/",
    "/static",
    "/schema",
    "/.well-known",
    "/sdk",
    "/healthz",
    "/manifest.webmanifest",
    "/sw.js",
    "/live",
    "/notifications/unread",
    "/notifications/badge",
    "/resident-id/status",
)


def pages(app: Any) -> list[str]:
    found = set()
    for route in app.routes:
        if not isinstance(route, HTTPRoute) or "GET" not in route.methods:
            continue
        if "{" in route.path or route.path.startswith(NOT_PAGES):
            continue
        found.add(route.path)
    return sorted(found)


async def _visit(client: Any, paths: list[str], code: str) -> tuple[set, list[str]]:
    missing = i18n.collect_missing()
    failed = []
    await prime(client, "/language")
    chosen = await client.post(
        "/language", data={"language": code, "next": "/"}, headers=csrf_headers(client)
    )
    assert chosen.status_code in (302, 303), chosen.text
    for path in paths:
        response = await client.get(path)
        if response.status_code >= 500:
            failed.append(f"{path}: {response.status_code}")
        elif "text/html" in response.headers.get("content-type", ""):
            assert f'<html lang="{code}"' in response.text or "<html" not in response.text, path
    return set(missing), failed


@pytest.mark.parametrize("code", list(i18n.LANGUAGES))
async def test_every_page_in_every_language_has_every_message(app, districts, code):
    paths = pages(app)
    assert "/" in paths
    assert "/language" in paths
    assert "/staff" in paths or "/staff/" in paths
    missing: set = set()
    failed: list[str] = []
    async with make_client(app) as visitor:
        seen, broken = await _visit(visitor, paths, code)
        missing |= seen
        failed += broken
    async with make_client(app) as staff:
        await signup(staff, SoftAuthenticator(), name="職員 花子", name_kana="しょくいん はなこ")
        from shell.identity.tables import Account

        account = await Account.select().order_by(Account.id, ascending=False).first()
        for role in ROLES:
            await grant_role(account["id"], role, by=None)
        seen, broken = await _visit(staff, paths, code)
        missing |= seen
        failed += broken
    assert not failed, failed
    assert not missing, f"{code}: {len(missing)} messages missing, e.g. {sorted(missing)[:5]}"


async def test_a_message_the_catalog_lacks_is_collected():
    found = i18n.collect_missing()
    i18n.set_locale("en")
    try:
        assert i18n.gettext("言語") == "Language"
        i18n.gettext("どのカタログにもない文")
        i18n.ngettext("%(num)s件", "%(num)s件", 2)
    finally:
        i18n.set_locale("ja")
    assert ("en", "どのカタログにもない文") in found
    assert ("en", "言語") not in found
