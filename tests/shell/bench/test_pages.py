"""`machi bench pages` serves the three pages and the bare page and prints its summary."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from shell.settings import ROOT


def test_bench_pages_prints_its_summary(tmp_path):
    env = {**os.environ, "MACHI_DATA_DIR": str(tmp_path), "MACHI_DATABASE_URL": ""}
    done = subprocess.run(
        [sys.executable, "-m", "shell.cli", "bench", "pages", "--workers", "1",
         "--seconds", "0.6", "--warm-up", "0", "--concurrency", "2", "--clients", "2",
         "--rounds", "2"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=180,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    records = [json.loads(line) for line in done.stdout.splitlines()]
    assert [r["page"] for r in records[:-1]] == ["home", "miniapp", "grid", "bare"]
    summary = records[-1]
    assert summary["summary"] is True
    assert summary["failures"] == 0
    assert set(summary["pages"]) == {"home", "miniapp", "grid"}
    assert summary["per_second"] == min(p["per_second"] for p in summary["pages"].values())
    assert summary["ratio"] == round(summary["per_second"] / summary["baseline_per_second"], 3)
    assert summary["rounds"] == 2
    # every page was measured, and answered
    assert all(r["requests"] > 0 for r in records[:-1])
