"""The in-process platform: a hosted app's handler reaches the same actions without HTTP."""

from __future__ import annotations

import pytest
from machi_sdk import PlatformError
from machi_sdk.auth import TokenVerifier

from shell.miniapp_host.keys import ShellKeys
from shell.platform_api import actions, queries
from shell.platform_api.inprocess import platform_for
from shell.platform_api.tables import StorageEntry
from tests.helpers.flows import csrf_headers
from tests.shell.platform_api.conftest import SHELL, client_for


async def _open_hello(server, token: str) -> str:
    async with client_for(server, "https://hello.localhost") as app:
        response = await app.get(
            "/", headers={"authorization": f"Bearer {token}", "hx-request": "true"}
        )
    assert response.status_code == 200, response.text
    return response.text


async def test_hello_counts_visits_through_the_shell(server, token):
    first = await _open_hello(server, token)
    assert "こんにちは、武雄 花子さん" in first
    assert 'data-testid="hello-visits">1<' in first
    second = await _open_hello(server, token)
    assert 'data-testid="hello-visits">2<' in second
    assert await StorageEntry.count() == 1
    assert (await queries.kpi_counts("hello", actions.today())) == {"visits": 2}


async def test_revoking_stops_in_process_calls_at_once(
    server, hosted_settings, token, resident_client
):
    await _open_hello(server, token)
    await resident_client.post("/account/apps/hello/revoke", headers=csrf_headers(resident_client))
    page = await _open_hello(server, token)  # the token is still valid for the page itself
    assert "こんにちは、武雄 花子さん" in page
    assert "hello-visits" not in page
    resident = await TokenVerifier(SHELL, "hello", ShellKeys()).averify(token)
    platform = platform_for("hello", hosted_settings, kpis=["visits"])
    with pytest.raises(PlatformError) as refused:
        await platform.storage_get(resident, "visits")
    assert refused.value.code == "not_granted"


async def test_in_process_calls_check_scopes_kpis_and_sizes(hosted_settings, token):
    resident = await TokenVerifier(SHELL, "hello", ShellKeys()).averify(token)
    platform = platform_for("hello", hosted_settings, kpis=["visits"])
    assert await platform.profile(resident) == {"profile.name": "武雄 花子"}
    await platform.storage_set(resident, "note", {"a": 1})
    assert await platform.storage_get(resident, "note") == {"a": 1}
    assert await platform.storage_get(resident, "unset") is None
    with pytest.raises(PlatformError) as too_large:
        await platform.storage_set(resident, "note", "x" * 20_000)
    assert too_large.value.code == "too_large"
    with pytest.raises(PlatformError) as unknown:
        await platform.kpi("likes")
    assert unknown.value.code == "unknown_kpi"
    with pytest.raises(PlatformError) as elsewhere:
        await platform_for("stamp", hosted_settings).storage_get(resident, "note")
    assert elsewhere.value.code == "invalid_token"  # a resident of hello is no one in stamp
