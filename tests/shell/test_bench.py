"""`machi bench` prints JSON lines ending in a summary with the figures DESIGN.md names."""

import json
import subprocess
import sys

import pytest

from shell.settings import ROOT

FIGURES = {"per_second", "p50_ms", "p95_ms", "p99_ms", "baseline_per_second", "ratio"}


@pytest.mark.parametrize(
    ("name", "args", "extra"),
    [
        ("db-read", ["--requests", "50"], set()),
        ("launch", ["--launches", "20"], {"verify_us", "failures"}),
    ],
)
def test_bench_prints_a_summary(name, args, extra):
    done = subprocess.run(
        [sys.executable, "-m", "shell.cli", "bench", name, *args],
        cwd=ROOT, capture_output=True, text=True, timeout=120, check=True,
    )  # fmt: skip
    lines = [json.loads(line) for line in done.stdout.splitlines()]
    summary = lines[-1]
    assert summary["summary"] is True
    assert summary.keys() >= FIGURES | extra
    assert summary.get("failures", 0) == 0
    assert all(line["name"] == name for line in lines)


def test_bench_push_delivers_every_payload_decrypted_and_correct():
    done = subprocess.run(
        [sys.executable, "-m", "shell.cli", "bench", "push", "--subscribers", "40"],
        cwd=ROOT, capture_output=True, text=True, timeout=120, check=True,
    )  # fmt: skip
    lines = [json.loads(line) for line in done.stdout.splitlines()]
    assert all(line["name"] == "push" for line in lines)
    summary = lines[-1]
    assert summary["summary"] is True
    assert summary.keys() >= FIGURES | {"delivered", "seconds", "encrypt_per_second"}
    assert summary["delivered"] == summary["sent"] == 40
    assert summary["failed"] == summary["refused_by_service"] == 0
    # the baseline is the median of samples taken before and after the fan-out
    samples = summary["encrypt_per_second_samples"]
    assert len(samples) == 6
    assert min(samples) <= summary["encrypt_per_second"] <= max(samples)
    # the measure before stop 29 (one subscriber's key parsed once) is printed beside it
    kept = summary["encrypt_kept_key_per_second"]
    assert summary["kept_key_ratio"] == round(summary["per_second"] / kept, 3)
