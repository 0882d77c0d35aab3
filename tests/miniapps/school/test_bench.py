"""`machi bench school` prints the figures the issue asks for, with every message delivered."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from shell.settings import ROOT


def test_bench_school_prints_its_summary(tmp_path):
    env = {**os.environ, "MACHI_DATA_DIR": str(tmp_path), "MACHI_DATABASE_URL": "",
           "MACHI_MINIAPPS": "miniapps/school"}  # fmt: skip
    done = subprocess.run(
        [sys.executable, "-m", "shell.cli", "bench", "school", "--conversations", "5",
         "--messages", "20"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=180,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    records = [json.loads(line) for line in done.stdout.splitlines()]
    summary = records[-1]
    assert summary["summary"] is True
    assert summary["failures"] == 0
    assert (summary["conversations"], summary["messages"]) == (5, 20)
    for key in ("per_second", "p99_ms", "baseline_per_second"):
        assert summary[key] > 0
