"""Opening a mini-app over HTTP: consent, tokens, grants, host routing, the JWKS."""

from __future__ import annotations

import dataclasses

import httpx
import jwt
import pytest

from shell.app import create_app, create_server
from shell.audit.tables import AuditEntry
from shell.miniapp_host import keys
from shell.miniapp_host.tables import Grant
from tests.conftest import make_client
from tests.helpers.authenticator import SoftAuthenticator
from tests.helpers.flows import csrf_headers, signup


@pytest.fixture(name="hosted_settings")
def fx_hosted_settings(settings):
    keys.forget_cached_key()
    return dataclasses.replace(settings, miniapps=("sdk/examples/hello",))


@pytest.fixture(name="hosted_client")
async def fx_hosted_client(db, hosted_settings):
    async with make_client(create_app(hosted_settings)) as client:
        yield client


async def test_first_launch_asks_for_consent_then_frames_the_app(hosted_client, districts):
    client = hosted_client
    await signup(client, SoftAuthenticator())
    home = await client.get("/")
    assert 'href="/apps/hello"' in home.text
    sheet = await client.get("/apps/hello")
    assert 'data-testid="consent-sheet"' in sheet.text
    assert "お名前" in sheet.text
    denied = await client.post("/apps/hello/token", headers=csrf_headers(client))
    assert denied.status_code == 403
    allowed = await client.post("/apps/hello/consent", headers=csrf_headers(client))
    assert allowed.status_code in (302, 303)
    launch = await client.get("/apps/hello")
    assert 'sandbox="allow-scripts allow-same-origin allow-forms allow-popups allow-downloads"' in (
        launch.text
    )
    assert 'src="https://hello.localhost/"' in launch.text
    assert await AuditEntry.exists().where(AuditEntry.action == "miniapp.granted")
    # A notification opens a page of the app, on the app's own origin and nowhere else.
    deep = await client.get("/apps/hello?path=/cards/1")
    assert 'src="https://hello.localhost/cards/1"' in deep.text
    for elsewhere in ("//evil.example/x", "https://evil.example/", "/\\evil.example"):
        response = await client.get("/apps/hello", params={"path": elsewhere})
        assert 'src="https://hello.localhost/"' in response.text, elsewhere


async def test_token_carries_the_pairwise_id_and_granted_claims(hosted_client, districts):
    client = hosted_client
    await signup(client, SoftAuthenticator())
    await client.get("/apps/hello")
    await client.post("/apps/hello/consent", headers=csrf_headers(client))
    response = await client.post("/apps/hello/token", headers=csrf_headers(client))
    assert response.status_code == 200
    token = response.json()["token"]
    jwks = (await client.get("/.well-known/jwks.json")).json()
    kid = jwt.get_unverified_header(token)["kid"]
    key = jwt.PyJWK(next(k for k in jwks["keys"] if k["kid"] == kid)).key
    claims = jwt.decode(token, key, algorithms=["EdDSA"], audience="hello",
                        issuer="https://localhost")  # fmt: skip
    assert claims["claims"] == {"profile.name": "武雄 花子"}
    assert claims["locale"] == "ja"
    assert str(claims["sub"]) != "1"


async def test_revoking_stops_tokens_at_once(hosted_client, districts):
    client = hosted_client
    await signup(client, SoftAuthenticator())
    await client.get("/apps/hello")
    await client.post("/apps/hello/consent", headers=csrf_headers(client))
    page = await client.post("/account/apps/hello/revoke", headers=csrf_headers(client))
    assert "許可を取り消しました" in page.text
    assert (await client.post("/apps/hello/token", headers=csrf_headers(client))).status_code == 403
    assert await Grant.count().where(Grant.revoked_at.is_null()) == 0


async def test_unknown_app_is_not_found(hosted_client, districts):
    await signup(hosted_client, SoftAuthenticator())
    assert (await hosted_client.get("/apps/nope")).status_code == 404


async def test_requests_for_an_app_host_reach_the_app_not_the_shell(db, hosted_settings):
    server = create_server(hosted_settings)
    transport = httpx.ASGITransport(app=server)
    async with httpx.AsyncClient(transport=transport, base_url="https://hello.localhost") as app:
        boot = await app.get("/", headers={"accept": "text/html", "sec-fetch-dest": "iframe"})
        assert boot.status_code == 200
        assert "frame-ancestors https://localhost" in boot.headers["content-security-policy"]
        assert "machi.js" in boot.text
        refused = await app.get("/", headers={"authorization": "Bearer forged"})
        assert refused.status_code == 401
    async with httpx.AsyncClient(transport=transport, base_url="https://other.localhost") as nobody:
        assert (await nobody.get("/")).status_code == 404
    async with httpx.AsyncClient(transport=transport, base_url="https://localhost") as shell:
        assert (await shell.get("/healthz")).status_code == 200


async def test_the_shell_frames_only_hosted_app_origins(hosted_client, client, districts):
    hosted = (await hosted_client.get("/signup")).headers["content-security-policy"]
    assert "frame-src https://hello.localhost;" in hosted
    assert "img-src 'self' data: blob: https://hello.localhost;" in hosted  # the tile's icon
    plain = (await client.get("/signup")).headers["content-security-policy"]
    assert "frame-src 'none';" in plain
    assert "img-src 'self' data: blob:;" in plain


async def test_open311_at_the_city_address_is_served_by_the_reports_app(db, settings, districts):
    hosting = dataclasses.replace(settings, miniapps=("miniapps/apply",))
    server = create_server(hosting)
    transport = httpx.ASGITransport(app=server)
    async with httpx.AsyncClient(transport=transport, base_url="https://apply.localhost") as app:
        direct = await app.get("/open311/v2/services.json", params={"lang": "en"})
    assert direct.status_code == 200
    async with httpx.AsyncClient(transport=transport, base_url="https://localhost") as city:
        services = await city.get("/open311/v2/services.json", params={"lang": "en"})
        assert services.status_code == 200  # answered here, not redirected
        assert services.headers["content-type"].startswith("application/json")
        assert services.json() == direct.json()
        assert {"service_code", "service_name"} <= set(services.json()[0])
        # a report client posts at the city's address with a resident's launch token
        code = services.json()[0]["service_code"]
        await signup(city, SoftAuthenticator())
        await city.get("/apps/apply")
        await city.post("/apps/apply/consent", headers=csrf_headers(city))
        token = (await city.post("/apps/apply/token", headers=csrf_headers(city))).json()["token"]
        posted = await city.post(
            "/open311/v2/requests.json",
            data={"service_code": code, "address_id": "yamauchi",
                  "address_string": "本町1-1", "description": "街灯が消えています"},
            headers={"authorization": f"Bearer {token}"},
        )  # fmt: skip
        assert posted.status_code in (200, 201), posted.text
        number = posted.json()[0]["service_request_id"]
        found = await city.get(f"/open311/v2/requests/{number}.json")
        assert found.status_code == 200
        assert found.json()[0]["description"] == "街灯が消えています"
        # the rest of the city's address is still the shell's
        assert (await city.get("/healthz")).status_code == 200
    without = create_server(dataclasses.replace(settings, miniapps=("sdk/examples/hello",)))
    transport = httpx.ASGITransport(app=without)
    async with httpx.AsyncClient(transport=transport, base_url="https://localhost") as city:
        assert (await city.get("/open311/v2/services.json")).status_code == 404
