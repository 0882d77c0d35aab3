"""`machi bench bus` runs and prints the figures the issue asks for (tiny settings)."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from shell.settings import ROOT


def test_bench_bus_prints_its_summary(tmp_path):
    env = {**os.environ, "MACHI_DATA_DIR": str(tmp_path), "MACHI_DATABASE_URL": ""}
    done = subprocess.run(
        [sys.executable, "-m", "shell.cli", "bench", "bus", "--seconds", "0.5", "--instances",
         "a2-16", "--requests", "20", "--answers", "5"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=180,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    lines = [json.loads(line) for line in done.stdout.splitlines()]
    solved = [r for r in lines if r.get("what") == "cordeau"]
    assert [r["instance"] for r in solved] == ["a2-16"]
    assert solved[0]["feasible"] is True
    assert solved[0]["gap_percent"] is not None
    summary = lines[-1]
    assert summary["summary"] is True
    assert summary["active_requests"] == 20
    assert summary["feasible"] == summary["instances"] == 1
    for key in ("p50_ms", "p95_ms", "per_second", "baseline_per_second", "mean_gap_percent"):
        assert key in summary
