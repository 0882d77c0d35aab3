"""`machi bench booking` prints the figures the issue asks for: no double booking, no lost slot."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from shell.settings import ROOT


def test_bench_booking_prints_its_summary(tmp_path):
    env = {**os.environ, "MACHI_DATA_DIR": str(tmp_path), "MACHI_DATABASE_URL": "",
           "MACHI_MINIAPPS": "miniapps/booking"}  # fmt: skip
    done = subprocess.run(
        [sys.executable, "-m", "shell.cli", "bench", "booking", "--concurrency", "3",
         "--slots", "4", "--pages", "10"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=180,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    summary = json.loads(done.stdout.splitlines()[-1])
    assert summary["summary"] is True
    assert summary["attempts"] == 12
    assert summary["contested_slots"] == 4
    assert summary["double_bookings"] == 0
    assert summary["lost_slots"] == 0
    assert summary["failures"] == 0
    for key in ("per_second", "page_per_second", "baseline_per_second", "ratio"):
        assert summary[key] > 0
