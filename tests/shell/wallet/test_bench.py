"""`machi bench wallet` on SQLite (and PostgreSQL when configured): the summary carries the
issue's figures, and the ledger afterwards lost nothing, has no negative account and applied no
request twice."""

import asyncio
import json
import subprocess
import sys

import pytest

from shell.settings import ROOT
from tests.conftest import POSTGRES_URL, _create_postgres_database, _drop_postgres_database

FIGURES = {"per_second", "p50_ms", "p99_ms", "baseline_per_second", "lost_yen",
           "negative_accounts", "duplicate_applications"}  # fmt: skip


@pytest.mark.parametrize("kind", ["sqlite", "postgres"])
def test_bench_wallet_reports_a_sound_ledger(kind: str) -> None:
    args = []
    name = ""
    if kind == "postgres":
        if not POSTGRES_URL:
            pytest.skip("PostgreSQL not configured: set MACHI_TEST_POSTGRES_URL to run these on it")
        name, url = asyncio.run(_create_postgres_database())
        args = ["--database", url]
    try:
        done = subprocess.run(
            [sys.executable, "-m", "shell.cli", "bench", "wallet", "--payers", "8",
             "--concurrency", "8", "--payments", "200", *args],
            cwd=ROOT, capture_output=True, text=True, timeout=300, check=True,
        )  # fmt: skip
    finally:
        if name:
            asyncio.run(_drop_postgres_database(name))
    lines = [json.loads(line) for line in done.stdout.splitlines()]
    summary = lines[-1]
    assert summary["summary"] is True
    assert summary.keys() >= FIGURES
    assert summary["lost_yen"] == 0
    assert summary["negative_accounts"] == 0
    assert summary["duplicate_applications"] == 0
    assert summary["verify_problems"] == 0
    assert summary["engine"] == ("postgres" if kind == "postgres" else "sqlite")
