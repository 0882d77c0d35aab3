"""``machi apps credentials`` and ``rotate-credentials``, run as the real command."""

from __future__ import annotations

import os
import subprocess
import sys

from shell.settings import ROOT


def machi(tmp_path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "MACHI_DATA_DIR": str(tmp_path), "MACHI_SECRET_KEY": "cli-secret",
           "MACHI_MINIAPPS": "sdk/examples/hello", "MACHI_DATABASE_URL": ""}  # fmt: skip
    return subprocess.run(
        [sys.executable, "-m", "shell.cli", *args],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip


def _pair(output: str) -> dict[str, str]:
    return dict(line.split(": ", 1) for line in output.splitlines() if ": " in line)


def test_credentials_are_printed_once_then_rotated(tmp_path):
    issued = machi(tmp_path, "apps", "credentials", "hello")
    assert issued.returncode == 0, issued.stderr
    first = _pair(issued.stdout)
    assert first["client_id"].startswith("mc_")
    assert first["client_secret"].startswith("mcs_")
    again = machi(tmp_path, "apps", "credentials", "hello")
    assert again.returncode != 0
    assert first["client_id"] in again.stderr
    assert "rotate-credentials" in again.stderr
    rotated = machi(tmp_path, "apps", "rotate-credentials", "hello")
    assert rotated.returncode == 0, rotated.stderr
    assert _pair(rotated.stdout)["client_id"] != first["client_id"]


def test_unknown_apps_get_no_credentials(tmp_path):
    refused = machi(tmp_path, "apps", "credentials", "nope")
    assert refused.returncode != 0
    assert "no app 'nope'" in refused.stderr
