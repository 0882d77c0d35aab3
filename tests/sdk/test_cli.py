"""cli.py: ``machi-sdk new`` makes an app whose own tests pass at once."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from machi_sdk.cli import main, scaffold
from machi_sdk.testing import check_miniapp_contract


@pytest.mark.parametrize("slug", ["stamp-card", "bus"])
def test_new_scaffolds_an_app_whose_tests_pass(tmp_path, slug):
    assert main(["new", slug, "--path", str(tmp_path)]) == 0
    folder = tmp_path / slug
    for name in [
        "manifest.toml",
        "pyproject.toml",
        "__init__.py",
        "routes.py",
        f"templates/{slug}/index.html",
        f"static/{slug}/icon.svg",
        "tests/test_app.py",
    ]:
        assert (folder / name).is_file(), name
    assert check_miniapp_contract(folder) == []

    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST")}
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", f"{slug}/tests"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "4 passed" in result.stdout


@pytest.mark.parametrize("slug", ["Stamp", "x", "1st", "stamp_card", "a" * 40])
def test_new_refuses_ids_the_manifest_would_refuse(tmp_path, slug, capsys):
    assert main(["new", slug, "--path", str(tmp_path)]) == 2
    assert "cannot be a mini-app id" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []


def test_new_never_overwrites(tmp_path, capsys):
    scaffold("taken", tmp_path)
    (tmp_path / "taken" / "routes.py").write_text("# mine\n")
    assert main(["new", "taken", "--path", str(tmp_path)]) == 2
    assert "exists already" in capsys.readouterr().err
    assert (tmp_path / "taken" / "routes.py").read_text() == "# mine\n"


def test_the_console_script_is_installed():
    result = subprocess.run(
        [os.path.join(os.path.dirname(sys.executable), "machi-sdk"), "--version"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0
    assert "machi-sdk 0.1.0" in result.stdout
