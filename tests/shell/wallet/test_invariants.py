"""Hypothesis drives random sequences of top-ups, grants, payments, replays, refunds, expiries
and suspensions against a model of what each resident should hold; after every step the ledger
must match the model and ``machi wallet verify`` must find nothing wrong."""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import uuid
from typing import Any

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from shell import db as machi_db
from shell.wallet import actions, queries, verify
from shell.wallet.ledger import Refused
from shell.wallet.tables import LedgerAccount, LedgerEntry, LedgerTransaction
from tests.conftest import (
    POSTGRES_URL,
    _create_postgres_database,
    _drop_postgres_database,
    empty_every_table,
)
from tests.shell.wallet.conftest import new_resident, top_up

RESIDENTS = 3
amounts = st.integers(min_value=-50, max_value=3000)


class Lot:
    def __init__(self, days: int, balance: int, order: int) -> None:
        self.days = days
        self.balance = balance
        self.order = order


class LedgerMachine(RuleBasedStateMachine):
    loop: asyncio.AbstractEventLoop

    def run(self, coro: Any) -> Any:
        return self.loop.run_until_complete(coro)

    @initialize()
    def setup(self) -> None:
        self.run(self._empty())
        district = self.run(self._district())
        self.residents = [self.run(new_resident(district)) for _ in range(RESIDENTS)]
        owner = self.run(new_resident(district))
        self.merchant = self.run(actions.register_merchant(name="店", category="food", owner=owner))
        self.run(actions.set_merchant_status(self.merchant, "approved"))
        self.suspended = False
        self.cash = dict.fromkeys(self.residents, 0)
        self.lots: dict[int, dict[str, Lot]] = {r: {} for r in self.residents}
        self.payments: list[dict[str, Any]] = []  # model of each payment's sources
        self.keys: list[tuple[int, str, int]] = []
        self.merchant_balance = 0
        self.counter = 0
        self.swept_days = 0

    async def _empty(self) -> None:
        await empty_every_table(machi_db.current())

    async def _district(self) -> int:
        from shell.city.tables import District

        rows = await District.insert(
            District(code=f"d{uuid.uuid4().hex[:6]}", name="武雄", name_kana="たけお")
        ).returning(District.id)
        return int(rows[0]["id"])

    def _moved(self) -> tuple[int, int]:
        return self.run(LedgerTransaction.count()), self.run(LedgerEntry.count())

    @rule(who=st.integers(0, RESIDENTS - 1), amount=st.integers(1, 5000))
    def top_up(self, who: int, amount: int) -> None:
        resident = self.residents[who]
        self.run(top_up(resident, amount))
        self.cash[resident] += amount

    @rule(who=st.integers(0, RESIDENTS - 1), amount=st.integers(1, 2000), days=st.integers(1, 60))
    def grant(self, who: int, amount: int, days: int) -> None:
        resident = self.residents[who]
        self.counter += 1
        key = f"g{self.counter}"
        expires = actions.now() + dt.timedelta(days=days)
        self.run(actions.grant_points(resident, amount, expires_at=expires, key=key))
        self.lots[resident][f"points:{resident}:grant:{key}"] = Lot(days, amount, self.counter)

    @rule(who=st.integers(0, RESIDENTS - 1), amount=amounts)
    def pay(self, who: int, amount: int) -> None:
        resident = self.residents[who]
        self.counter += 1
        key = f"p{self.counter}"
        live = sorted(
            (lot for lot in self.lots[resident].values() if lot.balance > 0),
            key=lambda lot: (lot.days, lot.order),
        )
        available = sum(lot.balance for lot in live) + self.cash[resident]
        expected_ok = 0 < amount <= available and not self.suspended
        before = self._moved()
        try:
            receipt = self.run(actions.pay_merchant(resident, self.merchant, amount, key=key))
        except Refused:
            assert not expected_ok, "a payment the model allows was refused"
            assert self._moved() == before, "a refused payment moved something"
            return
        assert expected_ok, "a payment the model refuses went through"
        left = amount
        sources: list[tuple[Lot | None, int]] = []
        for lot in live:
            take = min(lot.balance, left)
            lot.balance -= take
            left -= take
            if take:
                sources.append((lot, take))
        self.cash[resident] -= left
        if left:
            sources.append((None, left))
        assert -receipt.points == amount - left
        assert -receipt.cash == left
        self.merchant_balance += amount
        self.payments.append(
            {"id": receipt.transaction_id, "resident": resident, "sources": sources, "left": amount}
        )
        self.keys.append((resident, key, amount))

    @rule(data=st.data())
    def replay(self, data: st.DataObject) -> None:
        if not self.keys:
            return
        resident, key, amount = data.draw(st.sampled_from(self.keys))
        before = self._moved()
        receipt = self.run(actions.pay_merchant(resident, self.merchant, amount, key=key))
        assert receipt.replayed
        assert self._moved() == before

    @rule(data=st.data(), amount=amounts)
    def refund(self, data: st.DataObject, amount: int) -> None:
        if not self.payments:
            return
        payment = data.draw(st.sampled_from(self.payments))
        self.counter += 1
        before = self._moved()
        expected_ok = 0 < amount <= payment["left"]
        try:
            self.run(
                actions.refund(
                    payment["id"], amount, merchant_id=self.merchant, key=f"r{self.counter}"
                )
            )
        except Refused:
            assert not expected_ok
            assert self._moved() == before
            return
        assert expected_ok
        payment["left"] -= amount
        self.merchant_balance -= amount
        left = amount
        # Back to cash first, then points with the latest expiry first.
        order = sorted(
            payment["sources"],
            key=lambda s: (0, 0, 0) if s[0] is None else (1, -s[0].days, -s[0].order),
        )
        remaining = []
        for lot, took in order:
            give = min(took, left)
            left -= give
            if lot is None:
                self.cash[payment["resident"]] += give
            else:
                lot.balance += give
            remaining.append((lot, took - give))
        payment["sources"] = remaining

    @rule(days=st.integers(1, 61))
    def expire(self, days: int) -> None:
        """Sweep as if ``days`` had passed: grants expiring by then go back to the city."""
        at = actions.now() + dt.timedelta(days=days) + dt.timedelta(hours=1)
        self.run(actions.expire_points(at=at))
        for lots in self.lots.values():
            for lot in lots.values():
                if lot.days <= days:
                    lot.balance = 0  # a later refund into it is spendable again, until swept

    @rule()
    def toggle_merchant(self) -> None:
        self.suspended = not self.suspended
        status = "suspended" if self.suspended else "approved"
        self.run(actions.set_merchant_status(self.merchant, status))

    @invariant()
    def ledger_matches_the_model(self) -> None:
        if not hasattr(self, "residents"):
            return
        for resident in self.residents:
            held = self.run(queries.balances(resident))
            points = sum(lot.balance for lot in self.lots[resident].values())
            assert held == {"cash": self.cash[resident], "points": points}
            lots = self.run(
                LedgerAccount.select(LedgerAccount.key, LedgerAccount.balance).where(
                    (LedgerAccount.owner == resident) & (LedgerAccount.kind == "points")
                )
            )
            model = {key: lot.balance for key, lot in self.lots[resident].items()}
            assert {row["key"]: row["balance"] for row in lots} == model, "points spent in order"
        assert self.run(queries.merchant_balance(self.merchant)) == self.merchant_balance
        assert self.run(verify.problems()) == []


async def _engine(kind: str, tmp: str) -> tuple[Any, str]:
    if kind == "sqlite":
        return machi_db.engine_for_url(f"sqlite:///{tmp}/ledger.sqlite3"), ""
    name, url = await _create_postgres_database()
    engine = machi_db.engine_for_url(url)
    await machi_db.start(engine)
    return engine, name


@pytest.mark.parametrize("kind", ["sqlite", "postgres"])
def test_ledger_invariants_hold_under_random_operations(kind: str, tmp_path: Any) -> None:
    if kind == "postgres" and not POSTGRES_URL:
        pytest.skip("PostgreSQL not configured: set MACHI_TEST_POSTGRES_URL to run these on it")
    loop = asyncio.new_event_loop()
    engine, name = loop.run_until_complete(_engine(kind, str(tmp_path)))
    try:
        machi_db.bind(engine)
        loop.run_until_complete(machi_db.migrate())
        LedgerMachine.loop = loop
        runs = int(os.environ.get("MACHI_HYPOTHESIS_EXAMPLES", "25"))
        LedgerMachine.TestCase.settings = settings(
            max_examples=runs, stateful_step_count=25, deadline=None,
            suppress_health_check=list(HealthCheck),
        )  # fmt: skip
        LedgerMachine.TestCase().runTest()
    finally:
        loop.run_until_complete(machi_db.stop(engine))
        if name:
            loop.run_until_complete(_drop_postgres_database(name))
        loop.close()
