"""Wallet fixtures: residents, an approved merchant, and money put in through the ledger."""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Awaitable, Callable
from typing import Any

import pytest

from shell.identity.tables import Account
from shell.wallet import actions
from shell.wallet.tables import TopUp

_counter = itertools.count(1)


async def new_resident(district: int, name: str = "武雄 花子") -> int:
    n = next(_counter)
    rows = await Account.insert(
        Account(
            name=name, name_kana="たけお はなこ", birth_date=dt.date(1960, 1, 1),
            district=district, webauthn_user_id=f"wallet-test-{n}",
        )
    ).returning(Account.id)  # fmt: skip
    return int(rows[0]["id"])


async def top_up(owner: int, amount: int, key: str | None = None) -> None:
    """Cash in through the gateway path: a pending top-up and its successful callback."""
    row = await actions.start_top_up(owner, amount, key=key or f"k{next(_counter)}")
    await actions.credit_top_up(row["reference"], gateway_ref="test", succeeded=True)


@pytest.fixture(name="resident")
async def fx_resident(districts: list[dict[str, Any]]) -> Callable[..., Awaitable[int]]:
    async def make(name: str = "武雄 花子") -> int:
        return await new_resident(districts[0]["id"], name)

    return make


@pytest.fixture(name="merchant")
async def fx_merchant(resident: Callable[..., Awaitable[int]]) -> int:
    owner = await resident("店主 一郎")
    merchant_id = await actions.register_merchant(name="武雄商店", category="food", owner=owner)
    await actions.set_merchant_status(merchant_id, "approved")
    return merchant_id


__all__ = ["TopUp", "new_resident", "top_up"]
