"""What a resident does through HTTP, for tests that need an account to start from."""

from __future__ import annotations

import json
from typing import Any

from httpx import AsyncClient

from tests.helpers.authenticator import SoftAuthenticator

PROFILE = {
    "name": "武雄 花子",
    "name_kana": "たけお はなこ",
    "birth_date": "1950-04-01",
    "district": "takeo",
    "language": "ja",
}


def csrf_headers(client: AsyncClient) -> dict[str, str]:
    token = next((v for k, v in client.cookies.items() if k.endswith("machi_csrf")), "")
    return {"x-csrftoken": token, "accept": "application/json"}


async def prime(client: AsyncClient, path: str = "/signup") -> None:
    """Load a page so the client holds the CSRF cookie, as a browser would."""
    response = await client.get(path)
    assert response.status_code in (200, 302, 303, 307)


async def signup(
    client: AsyncClient, authenticator: SoftAuthenticator, **overrides: str
) -> dict[str, Any]:
    await prime(client)
    response = await client.post(
        "/signup/options", json={**PROFILE, **overrides}, headers=csrf_headers(client)
    )
    assert response.status_code == 200, response.text
    options = json.loads(response.json()["options"])
    credential = authenticator.create(options)
    finish = await client.post(
        "/signup/finish", json={"credential": credential}, headers=csrf_headers(client)
    )
    assert finish.status_code == 200, finish.text
    return finish.json()


async def signin(client: AsyncClient, authenticator: SoftAuthenticator, **kwargs: Any) -> Any:
    await prime(client, "/signin")
    response = await client.post("/signin/options", headers=csrf_headers(client))
    assert response.status_code == 200, response.text
    options = json.loads(response.json()["options"])
    credential = authenticator.get(options, **kwargs)
    return await client.post(
        "/signin/finish", json={"credential": credential}, headers=csrf_headers(client)
    )
