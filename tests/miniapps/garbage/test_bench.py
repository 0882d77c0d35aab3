"""`machi bench garbage` prints the figures the issue asks for, with no failed page."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from shell.settings import ROOT


def test_bench_garbage_prints_its_summary(tmp_path, saga_folder):
    env = {**os.environ, "MACHI_DATA_DIR": str(tmp_path), "MACHI_DATABASE_URL": "",
           "MACHI_MINIAPPS": "miniapps/garbage"}  # fmt: skip
    done = subprocess.run(
        [sys.executable, "-m", "shell.cli", "bench", "garbage", "--pages", "30", "--years", "5"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=180,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    records = [json.loads(line) for line in done.stdout.splitlines()]
    summary = records[-1]
    assert summary["summary"] is True
    assert summary["failures"] == 0
    for key in ("per_second", "baseline_per_second", "area_years_per_second"):
        assert summary[key] > 0
