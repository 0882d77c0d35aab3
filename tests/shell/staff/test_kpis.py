"""The KPI page counts openings and distinct residents per app and day, for staff only."""

from __future__ import annotations

import dataclasses
import datetime as dt
import re

from shell.app import create_server
from shell.miniapp_host import keys
from shell.miniapp_host.tables import ActiveResident, UsageDay
from shell.staff.actions import grant_role
from shell.web.i18n import TOKYO
from tests.helpers.authenticator import SoftAuthenticator
from tests.helpers.flows import csrf_headers, signup
from tests.shell.platform_api.conftest import client_for


async def _open_hello(client, times: int) -> None:
    await client.get("/apps/hello")
    await client.post("/apps/hello/consent", headers=csrf_headers(client))
    for _ in range(times):
        assert (await client.get("/apps/hello")).status_code == 200


async def test_openings_and_active_residents_per_day(db, jobs, settings, districts):
    keys.forget_cached_key()
    server = create_server(dataclasses.replace(settings, miniapps=("sdk/examples/hello",)))
    async with client_for(server) as first, client_for(server) as second:
        await signup(first, SoftAuthenticator())
        await signup(second, SoftAuthenticator(), name="職員 一郎", name_kana="しょくいん いちろう")
        await _open_hello(first, 2)
        await _open_hello(second, 1)
        today = dt.datetime.now(TOKYO).date()
        usage = await UsageDay.select().where(UsageDay.app_id == "hello")
        assert [(row["day"], row["launches"]) for row in usage] == [(today, 3)]
        assert await ActiveResident.count().where(ActiveResident.day == today) == 2

        assert (await first.get("/staff/kpis")).status_code == 403
        from shell.identity.tables import Account

        staff = await Account.select().where(Account.name == "職員 一郎").first()
        await grant_role(staff["id"], "reviewer", by=None)
        page = await second.get("/staff/kpis?days=7")
        assert page.status_code == 200
        section = page.text.split('data-testid="kpi-app-hello"')[1]
        assert re.search(r"開いた回数</strong> — 合計 3", section)
        assert re.search(r"使った住民の数</strong> — 合計 2", section)
        assert "登録している住民：2人" in page.text
