"""Who may open what, as a table: residents, counter staff, roads and parks staff, admins."""

from __future__ import annotations

import pytest
from machi_sdk.testing import miniapp_client

from .conftest import token

PAGES = ["/staff", "/staff/forms", "/staff/forms/juminhyo", "/staff/kpis", "/staff/reports"]
# page -> roles that may open it
ALLOWED = {
    "/staff": {"counter", "admin"},
    "/staff/forms": {"counter", "admin"},
    "/staff/forms/juminhyo": {"counter", "admin"},
    "/staff/kpis": {"counter", "admin"},
    "/staff/reports": {"public_works", "admin"},
}
WHO = [(), ("counter",), ("public_works",), ("admin",)]


@pytest.mark.parametrize("roles", WHO, ids=["resident", "counter", "public_works", "admin"])
async def test_staff_pages_by_role(demo, web, shell, roles):
    async with miniapp_client(web, token(shell, "someone", roles=roles), htmx=True) as client:
        for page in PAGES:
            status = (await client.get(page)).status_code
            expected = 200 if set(roles) & ALLOWED[page] else 403
            assert status == expected, (page, roles, status)
        for path, data in [("/staff/forms", {"slug": "x", "title_ja": "x"}),
                           ("/staff/forms/juminhyo/publish", {})]:  # fmt: skip
            status = (await client.post(path, data=data)).status_code
            allowed = bool(set(roles) & {"counter", "admin"})
            assert (status != 403) == allowed, (path, roles, status)


async def test_a_staff_view_without_an_audit_log_is_refused(demo, shell, db):
    from machi_sdk.testing import MemoryPlatform

    from .conftest import MINIAPP, module

    memory = MemoryPlatform("apply")
    platform = memory.platform
    platform._audit = None  # a shell without the audit log
    web = shell.create_app(MINIAPP, platform=platform)
    app = await module("actions").save("r1", "dog-change", {}, submit=False, verified=False)
    async with miniapp_client(web, token(shell, "clerk", roles=("counter",)), htmx=True) as client:
        page = await client.get(f"/staff/a/{app['number']}")
        assert page.status_code == 503
        assert "記録を残せない" in page.text
