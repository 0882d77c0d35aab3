"""``machi wallet verify`` in a real process, and a payer process killed mid-payment: the ledger
stays sound and the retried requests are each applied once."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from shell import db as machi_db
from tests.conftest import POSTGRES_URL, _create_postgres_database, _drop_postgres_database

ROOT = Path(__file__).resolve().parents[3]
MACHI = str(ROOT / ".venv" / "bin" / "machi")

PAYER = """
import asyncio, sys
from shell import db
from shell.wallet import actions
from shell.identity.tables import Account
from shell.city.tables import District
import datetime as dt

async def main(url, count):
    engine = db.engine_for_url(url)
    db.bind(engine)
    await db.start(engine)
    district = await District.select(District.id).first()
    if district is None:
        await District.insert(District(code="d", name="武雄", name_kana="たけお"))
        district = await District.select(District.id).first()
        await Account.insert(Account(name="a", name_kana="a", birth_date=dt.date(1970, 1, 1),
                                     district=district["id"], webauthn_user_id="crash"))
    payer = (await Account.select(Account.id).first())["id"]
    shop = await actions.Merchant.select().first()
    merchant = shop["id"] if shop else await actions.register_merchant(
        name="店", category="food", owner=payer, code="SHOP")
    await actions.set_merchant_status(merchant, "approved")
    top = await actions.start_top_up(payer, 1_000_000, key="seed")
    await actions.credit_top_up(top["reference"], gateway_ref="seed", succeeded=True)
    print("ready", flush=True)
    for i in range(count):
        await actions.pay_merchant(payer, merchant, 7, key=f"k{i}")
    await db.stop(engine)
    print("done", flush=True)

asyncio.run(main(sys.argv[1], int(sys.argv[2])))
"""


def _database(kind: str, tmp_path: Path) -> tuple[str, str]:
    if kind == "sqlite":
        return f"sqlite:///{tmp_path}/machi.sqlite3", ""
    if not POSTGRES_URL:
        pytest.skip("PostgreSQL not configured: set MACHI_TEST_POSTGRES_URL to run these on it")
    name, url = asyncio.run(_create_postgres_database())
    return url, name


def _env(url: str, tmp_path: Path) -> dict[str, str]:
    return {**os.environ, "MACHI_DATABASE_URL": url, "MACHI_DATA_DIR": str(tmp_path),
            "PYTHONPATH": str(ROOT)}  # fmt: skip


def _verify(url: str, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [MACHI, "wallet", "verify"], env=_env(url, tmp_path), capture_output=True, text=True,
        timeout=120, check=False,
    )  # fmt: skip


def _sql(url: str, statement: str) -> list[dict[str, Any]]:
    async def go() -> list[dict[str, Any]]:
        engine = machi_db.engine_for_url(url)
        await machi_db.start(engine)
        try:
            return await engine.run_ddl(statement)  # type: ignore[no-any-return]
        finally:
            await machi_db.stop(engine)

    return asyncio.run(go())


def _payments(url: str) -> int:
    done = _sql(url, "SELECT COUNT(*) AS n FROM wallet_transaction WHERE kind = 'payment'")
    return int(done[0]["n"])


@pytest.mark.parametrize("kind", ["sqlite", "postgres"])
def test_killed_mid_payment_the_ledger_is_sound_and_retries_apply_once(
    kind: str, tmp_path: Path
) -> None:
    url, name = _database(kind, tmp_path)
    try:
        assert _verify(url, tmp_path).returncode == 0  # migrates the empty database
        payer = subprocess.Popen(
            [sys.executable, "-c", PAYER, url, "100000"], env=_env(url, tmp_path),
            stdout=subprocess.PIPE, text=True,
        )  # fmt: skip
        assert payer.stdout is not None
        assert payer.stdout.readline().strip() == "ready"
        # Killed once it has paid a few dozen times: mid-payment, with a retry that stays short.
        deadline = time.monotonic() + 60
        while _payments(url) < 30 and time.monotonic() < deadline:
            time.sleep(0.05)
        payer.send_signal(signal.SIGKILL)
        payer.wait(timeout=30)
        applied = _payments(url)
        assert 0 < applied < 100000, "the payer was killed while paying"
        result = _verify(url, tmp_path)
        assert result.returncode == 0, result.stderr
        # The client retries every request it sent; each key is applied once.
        retry = subprocess.run(
            [sys.executable, "-c", PAYER, url, str(applied + 20)], env=_env(url, tmp_path),
            capture_output=True, text=True, timeout=300, check=True,
        )  # fmt: skip
        assert "done" in retry.stdout
        rows = _sql(url, "SELECT COUNT(*) AS n, SUM(amount) AS total FROM wallet_transaction "
                         "WHERE kind = 'payment'")  # fmt: skip
        assert (int(rows[0]["n"]), int(rows[0]["total"])) == (applied + 20, 7 * (applied + 20))
        assert _verify(url, tmp_path).returncode == 0

        _sql(url, "UPDATE wallet_account SET balance = balance + 1 WHERE kind = 'cash'")
        result = _verify(url, tmp_path)
        assert result.returncode == 1
        assert "cached balance" in result.stderr
        assert "entries say" in result.stderr
    finally:
        if name:
            asyncio.run(_drop_postgres_database(name))
