"""A shell whose residents can subscribe to a local push service, and staff to send to them."""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from typing import Any

import httpx
import pytest

from shell.app import create_app
from shell.identity.tables import Account
from shell.notifications import api, runtime
from shell.notifications.localpush import LocalPushService
from shell.staff.actions import grant_role
from tests.conftest import make_client
from tests.helpers.authenticator import SoftAuthenticator
from tests.helpers.flows import csrf_headers, signup
from tests.helpers.push import local_push_service


@pytest.fixture(name="push")
async def fx_push() -> AsyncIterator[LocalPushService]:
    async with local_push_service() as service:
        yield service


@pytest.fixture(name="push_settings")
def fx_push_settings(settings, push):
    return dataclasses.replace(settings, local_push_url=push.base_url)


@pytest.fixture(name="app")
async def fx_app(db, jobs, push_settings):
    app = create_app(push_settings)
    yield app
    await runtime.close()


@asynccontextmanager
async def resident(app, **profile: str) -> AsyncIterator[tuple[httpx.AsyncClient, dict[str, Any]]]:
    async with make_client(app) as client:
        await signup(client, SoftAuthenticator(), **profile)
        account = await Account.select().order_by(Account.id, ascending=False).first()
        yield client, account


@asynccontextmanager
async def staff(app, role: str = "notifier", name: str = "配信 一郎", **profile: str):
    async with resident(app, name=name, name_kana="はいしん いちろう", **profile) as (
        client,
        account,
    ):
        await grant_role(account["id"], role, by=None)
        yield client, account


async def subscribe(client: httpx.AsyncClient, push: LocalPushService) -> dict[str, Any]:
    """What push.js does on a device: subscribe at the push service, hand the shell the JSON."""
    subscription = push.subscribe()
    device_id = subscription.pop("id")
    response = await client.post(
        "/notifications/subscriptions", json=subscription, headers=csrf_headers(client)
    )
    assert response.status_code == 201, response.text
    return {"id": device_id, **subscription}


async def notify(account_ids: Iterable[int], **overrides: Any) -> int:
    """A notice from the city to these residents (``overrides`` change its fields); the message
    id. Its push, if any, runs once the test drains the jobs."""
    fields: dict[str, Any] = {
        "title": "お知らせ",
        "body": "本文",
        "url": "/inbox",
        "topic": "city",
        "source": "city",
    }
    return await api.notify_accounts(list(account_ids), **{**fields, **overrides})
