"""`machi bench load` runs residents through home, inbox and a payment and checks the ledger."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from shell.settings import ROOT


def test_bench_load_prints_its_summary_with_no_error(tmp_path):
    env = {**os.environ, "MACHI_DATA_DIR": str(tmp_path), "MACHI_DATABASE_URL": ""}
    done = subprocess.run(
        [sys.executable, "-m", "shell.cli", "bench", "load", "--residents", "12",
         "--seconds", "1.5", "--think", "0.1", "--workers", "1"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=180,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    records = [json.loads(line) for line in done.stdout.splitlines()]
    assert {r["request"] for r in records[:-1]} == {"home", "inbox", "pay_page", "pay"}
    summary = records[-1]
    assert summary["summary"] is True
    assert summary["errors"] == 0, summary["error_examples"]
    assert summary["requests"] == 12 * 4
    assert summary["payments_answered"] == summary["payments_in_ledger"] == 12
    assert summary["verify_problems"] == 0
    assert summary["duplicate_keys"] == 0
