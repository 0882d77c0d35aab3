"""A shell hosting the hello example, a resident who consented to it, and the app's credentials."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from shell.app import create_server
from shell.miniapp_host import keys
from shell.platform_api import actions
from tests.helpers.authenticator import SoftAuthenticator
from tests.helpers.flows import csrf_headers, signup

SHELL = "https://localhost"


@pytest.fixture(name="hosted_settings")
def fx_hosted_settings(settings):
    keys.forget_cached_key()
    return dataclasses.replace(settings, miniapps=("sdk/examples/hello",))


@pytest.fixture(name="server")
def fx_server(db, jobs, hosted_settings):
    return create_server(hosted_settings)


def client_for(server: Any, base_url: str = SHELL) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=server), base_url=base_url)


@pytest.fixture(name="resident_client")
async def fx_resident_client(server, districts) -> AsyncIterator[httpx.AsyncClient]:
    """A signed-in resident (武雄 花子) who allowed hello what it asks for."""
    async with client_for(server) as client:
        await signup(client, SoftAuthenticator())
        await client.get("/apps/hello")
        consent = await client.post("/apps/hello/consent", headers=csrf_headers(client))
        assert consent.status_code in (302, 303)
        yield client


async def launch_token(client: httpx.AsyncClient, slug: str = "hello") -> str:
    """A real launch token, minted by the shell as the bridge asks for it."""
    response = await client.post(f"/apps/{slug}/token", headers=csrf_headers(client))
    assert response.status_code == 200, response.text
    return str(response.json()["token"])


@pytest.fixture(name="token")
async def fx_token(resident_client) -> str:
    return await launch_token(resident_client)


@pytest.fixture(name="credentials")
async def fx_credentials(db, hosted_settings) -> tuple[str, str]:
    return await actions.issue_credentials("hello", hosted_settings.resolved_secret())


async def staff_of_app(
    app_id: str, subject: str, role: str | None, scopes: tuple[str, ...] = ()
) -> int:
    """A city account (holding the staff ``role`` unless None) that opened ``app_id`` as
    ``subject`` (its pairwise id there) and granted ``scopes``: the shell's in-process platform
    then acts for it. Needs the ``districts``."""
    from shell.demo import _account
    from shell.miniapp_host.tables import Grant
    from shell.staff.actions import grant_role

    account, _ = await _account("職員 花子", "しょくいん はなこ", dt.date(1980, 4, 1), "takeo",
                                "ja", f"staff-{app_id}-{subject}")  # fmt: skip
    await Grant.insert(Grant(account=account, app_id=app_id, subject=subject, scopes=list(scopes)))
    if role is not None:
        await grant_role(account, role, by=None)
    return account
