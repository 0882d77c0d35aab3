"""Fixtures for disaster tests: the app's live channels running, residents, staff, shelters."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import pytest
from litestar import Litestar
from litestar.channels import ChannelsPlugin

from shell.demo import city
from shell.disaster.demo import shelters as demo_shelters
from shell.identity.tables import Account
from shell.staff.actions import grant_role
from shell.web import live
from tests.conftest import make_client
from tests.helpers.authenticator import SoftAuthenticator
from tests.helpers.flows import signup


@pytest.fixture(name="channels")
async def fx_channels(app: Litestar) -> AsyncIterator[ChannelsPlugin]:
    """The app's channels plugin, started (the test client does not run the app's lifespan)."""
    plugin = app.plugins.get(ChannelsPlugin)
    async with plugin:
        yield plugin


@pytest.fixture(name="city_events")
async def fx_city_events(channels: ChannelsPlugin) -> AsyncIterator[asyncio.Queue[live.Event]]:
    async with live.subscription([live.CITY], plugin=channels) as queue:
        yield queue


@pytest.fixture(name="shelters")
async def fx_shelters(db: Any, settings: Any) -> list[dict[str, Any]]:
    from shell.disaster.queries import shelters

    await city(settings)
    await demo_shelters(settings)
    return await shelters()


async def next_event(queue: asyncio.Queue[live.Event]) -> live.Event:
    """The next live event, failing after five seconds."""
    return await asyncio.wait_for(queue.get(), 5.0)


@asynccontextmanager
async def person(app: Litestar, name: str, kana: str, *, role: str = "", district: str = "takeo"):
    """A signed-in client for a new account (holding ``role`` when given) and the account."""
    async with make_client(app) as client:
        await signup(client, SoftAuthenticator(), name=name, name_kana=kana, district=district)
        account = await Account.select().where(Account.name == name).first()
        if role:
            await grant_role(account["id"], role, by=None)
        yield client, account
