"""The SDK and every mini-app stand on machi_sdk alone: none of them imports the shell."""

import ast

import pytest

from shell.settings import ROOT

GUARDED = [ROOT / "sdk", ROOT / "miniapps"]


def _python_files():
    for folder in GUARDED:
        if folder.is_dir():
            yield from sorted(p for p in folder.rglob("*.py") if ".venv" not in p.parts)


def _imported_modules(path):
    tree = ast.parse(path.read_text(), filename=str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            yield node.module


FILES = list(_python_files())


def test_there_is_something_to_guard():
    assert any("machi_sdk" in p.parts for p in FILES)


@pytest.mark.parametrize("path", FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_no_shell_imports(path):
    leaks = [m for m in _imported_modules(path) if m == "shell" or m.startswith("shell.")]
    assert not leaks, f"{path.relative_to(ROOT)} imports the shell: {leaks}"
