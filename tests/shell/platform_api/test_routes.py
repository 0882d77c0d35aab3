"""The Platform API over HTTP, with real client credentials and real launch tokens."""

from __future__ import annotations

import dataclasses

import httpx
import pytest
from machi_sdk import HTTPSPlatform, PlatformError
from machi_sdk.auth import TokenVerifier

from shell.app import create_server
from shell.miniapp_host.keys import ShellKeys
from shell.miniapp_host.tables import Grant
from shell.platform_api import actions, queries
from shell.platform_api.tables import KpiCount, StorageEntry
from tests.helpers.flows import csrf_headers
from tests.shell.platform_api.conftest import SHELL, client_for, launch_token


def basic(client_id: str, secret: str) -> httpx.BasicAuth:
    return httpx.BasicAuth(client_id, secret)


@pytest.fixture(name="api")
async def fx_api(server, credentials, token):
    """Raw HTTP to the Platform API as hello, for the resident."""
    async with client_for(server) as client:
        client.auth = basic(*credentials)
        client.headers["Machi-Resident-Token"] = token
        yield client


@pytest.fixture(name="platform")
async def fx_platform(server, credentials, token):
    """The SDK's own HTTPS client, speaking to the shell through ASGI."""
    async with client_for(server) as transport:
        platform = HTTPSPlatform(SHELL, *credentials, client=transport)
        verifier = TokenVerifier(SHELL, "hello", ShellKeys())
        yield platform, await verifier.averify(token)


async def test_the_sdk_client_calls_every_endpoint(platform):
    client, resident = platform
    assert await client.profile(resident) == {"profile.name": "武雄 花子"}
    assert await client.storage_get(resident, "visits") is None
    await client.storage_set(resident, "visits", {"count": 3, "last": "市役所"})
    assert await client.storage_get(resident, "visits") == {"count": 3, "last": "市役所"}
    await client.storage_set(resident, "visits", 4)  # overwrites
    assert await client.storage_get(resident, "visits") == 4
    await client.kpi("visits")
    await client.kpi("visits", 5)
    assert (await queries.kpi_counts("hello", actions.today()))["visits"] == 6
    # An app that skips the SDK's own check still meets the shell's: the token lacks notify.
    pretending = dataclasses.replace(resident, scopes=resident.scopes | {"notify"})
    with pytest.raises(PlatformError) as refused:
        await client.notify(pretending, "お知らせ", "本文")
    assert refused.value.code == "scope_missing"


async def test_profile_has_only_the_granted_claims(api):
    response = await api.get("/api/v1/profile")
    assert response.status_code == 200
    assert response.json() == {"profile.name": "武雄 花子"}
    assert response.headers["content-type"].startswith("application/json")
    assert "set-cookie" not in response.headers


async def test_storage_round_trip_and_missing_key(api):
    missing = await api.get("/api/v1/storage/visits")
    assert missing.status_code == 404
    assert missing.json()["error"]["code"] == "not_found"
    put = await api.put("/api/v1/storage/visits", json={"value": [1, "二", None]})
    assert put.status_code == 204
    got = await api.get("/api/v1/storage/visits")
    assert got.json() == {"value": [1, "二", None]}
    assert await StorageEntry.count() == 1


async def test_storage_values_are_per_resident_and_per_app(api, server, credentials):
    await api.put("/api/v1/storage/note", json={"value": "mine"})
    async with client_for(server) as other:
        from tests.helpers.authenticator import SoftAuthenticator
        from tests.helpers.flows import signup

        await signup(other, SoftAuthenticator(), name="佐賀 次郎", name_kana="さが じろう")
        await other.get("/apps/hello")
        await other.post("/apps/hello/consent", headers=csrf_headers(other))
        token = await launch_token(other)
    response = await api.get("/api/v1/storage/note", headers={"Machi-Resident-Token": token})
    assert response.status_code == 404


async def test_oversize_values_and_bad_keys_are_refused_with_a_message(api):
    big = await api.put("/api/v1/storage/big", json={"value": "x" * (16 * 1024)})
    assert big.status_code == 413
    assert "16384 bytes" in big.json()["error"]["message"]
    huge = await api.put("/api/v1/storage/big", json={"value": "x" * (100 * 1024)})
    assert huge.status_code == 413
    assert huge.json()["error"]["code"] == "too_large"
    bad = await api.put("/api/v1/storage/" + "k" * 65, json={"value": 1})
    assert bad.status_code == 422
    assert bad.json()["error"]["code"] == "invalid"
    shapeless = await api.put("/api/v1/storage/ok", json={"nothing": 1})
    assert shapeless.status_code == 400
    assert shapeless.json()["error"]["code"] == "invalid"
    assert await StorageEntry.count() == 0


async def test_kpis_count_per_day_and_only_declared_ones(api):
    first = await api.post("/api/v1/kpis/visits", json={"value": 2})
    assert first.status_code == 200
    assert first.json() == {"name": "visits", "day": actions.today().isoformat(), "total": 2}
    assert (await api.post("/api/v1/kpis/visits", json={})).json()["total"] == 3
    undeclared = await api.post("/api/v1/kpis/likes", json={"value": 1})
    assert undeclared.status_code == 422
    assert undeclared.json()["error"]["code"] == "unknown_kpi"
    for value in (0, -1, 1_000_001):
        out_of_range = await api.post("/api/v1/kpis/visits", json={"value": value})
        assert out_of_range.status_code == 422, value
    assert await KpiCount.count() == 1


async def test_kpis_need_only_the_app_credentials(server, credentials):
    async with client_for(server) as client:
        response = await client.post("/api/v1/kpis/visits", json={"value": 1},
                                     auth=basic(*credentials))  # fmt: skip
    assert response.status_code == 200


async def _notify_token(server) -> str:
    # The hello manifest does not ask for notify: give this resident's grant and token notify,
    # as consent to an app that asks for it would.
    await Grant.update({Grant.scopes: ["notify", "profile.name", "storage"]}).where(
        Grant.app_id == "hello"
    )
    from shell.identity.tables import Account
    from shell.miniapp_host import tokens

    account = await Account.select().first()
    token, _ = await tokens.mint(
        issuer=SHELL, secret="test-secret-key", app_id="hello", account=account,
        scopes=["notify", "profile.name", "storage"], claims={}, locale="ja", roles=[],
    )  # fmt: skip
    return token


async def test_an_app_notifies_the_resident_into_the_inbox_up_to_the_daily_quota(
    server, credentials, resident_client, hosted_settings
):
    from shell.notifications.tables import InboxItem, Message

    token = await _notify_token(server)
    platform = HTTPSPlatform(SHELL, *credentials, client=client_for(server))
    resident = await TokenVerifier(SHELL, "hello", ShellKeys()).averify(token)
    limit = hosted_settings.app_notify_daily_limit
    for n in range(limit):
        await platform.notify(resident, f"スタンプ{n}", "たまりました", "/cards/1")
    with pytest.raises(PlatformError) as refused:
        await platform.notify(resident, "もう一通", "本文")
    assert refused.value.code == "quota_exceeded"
    assert await InboxItem.count() == limit
    message = await Message.select().first()
    assert message["kind"] == "app"
    assert message["source"] == "hello"
    assert message["url"] == "/apps/hello?path=/cards/1"
    inbox = await resident_client.get("/inbox")
    assert "スタンプ0" in inbox.text
    assert "もう一通" not in inbox.text


async def test_an_app_notifies_later_by_pairwise_id_only_while_the_grant_lasts(
    server, credentials, resident_client
):
    from shell.notifications.tables import InboxItem

    token = await _notify_token(server)
    resident = await TokenVerifier(SHELL, "hello", ShellKeys()).averify(token)
    platform = HTTPSPlatform(SHELL, *credentials, client=client_for(server))
    await platform.notify(resident.id, "明日は燃えるごみの日", "朝8時までに出してください")
    assert await InboxItem.count() == 1
    with pytest.raises(PlatformError) as unknown:
        await platform.notify("someone-else", "お知らせ", "本文")
    assert unknown.value.code == "not_granted"
    await resident_client.post("/account/apps/hello/revoke", headers=csrf_headers(resident_client))
    with pytest.raises(PlatformError) as revoked:
        await platform.notify(resident.id, "お知らせ", "本文")
    assert revoked.value.code == "not_granted"
    assert await InboxItem.count() == 1


async def test_a_token_without_notify_cannot_notify(server, credentials, token):
    async with client_for(server) as client:
        response = await client.post(
            "/api/v1/notifications",
            json={"title": "お知らせ", "body": "本文"},
            auth=basic(*credentials),
            headers={"Machi-Resident-Token": token},
        )
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "scope_missing"


async def test_wrong_secret_unknown_client_and_no_credentials_are_401(server, credentials, token):
    client_id, _secret = credentials
    async with client_for(server) as client:
        headers = {"Machi-Resident-Token": token}
        for auth in (basic(client_id, "mcs_wrong"), basic("mc_nobody", "secret"), None):
            response = await client.get("/api/v1/profile", auth=auth, headers=headers)
            assert response.status_code == 401, auth
            assert response.json()["error"]["code"] == "unauthorized"
            assert response.headers["www-authenticate"].startswith("Basic")


async def test_revoked_and_rotated_credentials_are_401(server, hosted_settings, credentials):
    new_id, new_secret = await actions.rotate_credentials(
        "hello", hosted_settings.resolved_secret()
    )
    async with client_for(server) as client:
        old = await client.post("/api/v1/kpis/visits", json={}, auth=basic(*credentials))
        new = await client.post("/api/v1/kpis/visits", json={}, auth=basic(new_id, new_secret))
        assert (old.status_code, new.status_code) == (401, 200)
        assert await actions.revoke_credentials("hello") == 1
        gone = await client.post("/api/v1/kpis/visits", json={}, auth=basic(new_id, new_secret))
        assert gone.status_code == 401


async def test_a_token_for_another_app_or_a_forged_one_is_401(api, server):
    import jwt

    from shell.miniapp_host.keys import signing_key

    key = await signing_key()
    stolen = jwt.decode(api.headers["Machi-Resident-Token"], options={"verify_signature": False})
    other = jwt.encode({**stolen, "aud": "stamp"}, key.private, algorithm="EdDSA",
                       headers={"kid": key.kid})  # fmt: skip
    for token in (other, "forged.token.value", ""):
        response = await api.get("/api/v1/profile", headers={"Machi-Resident-Token": token})
        assert response.status_code == 401, token
        assert response.json()["error"]["code"] == "invalid_token"


async def test_revoking_the_grant_stops_calls_at_once(api, resident_client):
    assert (await api.get("/api/v1/profile")).status_code == 200
    await resident_client.post("/account/apps/hello/revoke", headers=csrf_headers(resident_client))
    response = await api.get("/api/v1/profile")  # the token itself has not expired
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "not_granted"


async def test_a_scope_no_longer_granted_is_refused(api):
    await Grant.update({Grant.scopes: ["profile.name"]}).where(Grant.app_id == "hello")
    response = await api.get("/api/v1/storage/visits")
    assert response.status_code == 403
    assert response.json()["error"] == {
        "code": "scope_missing",
        "message": "the resident has not granted 'storage'",
    }
    assert (await api.get("/api/v1/profile")).json() == {"profile.name": "武雄 花子"}


async def test_an_app_no_longer_hosted_is_refused(db, settings, credentials, token):
    server = create_server(settings)  # the same city, without hello
    async with client_for(server) as client:
        response = await client.get("/api/v1/profile", auth=basic(*credentials),
                                    headers={"Machi-Resident-Token": token})  # fmt: skip
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "app_unavailable"


async def test_the_rate_limit_is_per_client(db, hosted_settings, credentials):
    server = create_server(dataclasses.replace(hosted_settings, platform_rate_limit=3))
    other = await actions.issue_credentials("hello", hosted_settings.resolved_secret())
    async with client_for(server) as client:
        statuses = [
            (
                await client.post("/api/v1/kpis/visits", json={}, auth=basic(*credentials))
            ).status_code
            for _ in range(4)
        ]
        assert statuses == [200, 200, 200, 429]
        limited = await client.post("/api/v1/kpis/visits", json={}, auth=basic(*credentials))
        assert limited.json()["error"]["code"] == "rate_limited"
        assert "ratelimit-reset" in {k.lower() for k in limited.headers}
        fresh = await client.post("/api/v1/kpis/visits", json={}, auth=basic(*other))
        assert fresh.status_code == 200


async def test_the_api_needs_no_session_or_csrf_and_is_in_the_openapi(server):
    async with client_for(server) as client:
        schema = await client.get("/schema/openapi.json")
    assert schema.status_code == 200
    spec = schema.json()
    paths = spec["paths"]
    for path in ("/api/v1/profile", "/api/v1/storage/{key}", "/api/v1/kpis/{name}",
                 "/api/v1/notifications"):  # fmt: skip
        assert path in paths, path
    assert set(paths["/api/v1/storage/{key}"]) >= {"get", "put"}
    assert "Profile" in spec["components"]["schemas"]
    assert "profile.name" in spec["components"]["schemas"]["Profile"]["properties"]
    assert spec["components"]["securitySchemes"]["appClient"]["scheme"] == "basic"
    parameters = paths["/api/v1/profile"]["get"]["parameters"]
    assert any(p["name"] == "Machi-Resident-Token" and p["in"] == "header" for p in parameters)
