"""`machi bench library` prints the figures the issue asks for, with no failed search."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from shell.settings import ROOT


def test_bench_library_prints_its_summary(tmp_path):
    env = {**os.environ, "MACHI_DATA_DIR": str(tmp_path), "MACHI_DATABASE_URL": "",
           "MACHI_MINIAPPS": "miniapps/library"}  # fmt: skip
    done = subprocess.run(
        [sys.executable, "-m", "shell.cli", "bench", "library", "--titles", "300",
         "--searches", "20"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=180,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    summary = [json.loads(line) for line in done.stdout.splitlines()][-1]
    assert summary["summary"] is True
    assert summary["failures"] == 0
    assert summary["found"] > 0
    for key in ("per_second", "p95_ms", "baseline_per_second"):
        assert summary[key] > 0
