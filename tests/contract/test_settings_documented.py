"""Every MACHI_* setting the code reads is in the README's table, with its default."""

import re

from shell.settings import ROOT


def test_every_setting_is_documented():
    code = (ROOT / "shell" / "settings.py").read_text()
    readme = (ROOT / "README.md").read_text()
    read = set(re.findall(r'"(MACHI_[A-Z_]+)"', code))
    documented = set(re.findall(r"^\|\s*`(MACHI_[A-Z_]+)`", readme, flags=re.M))
    assert read, "no settings found"
    assert read == documented, f"undocumented: {read - documented}; gone: {documented - read}"


def test_readme_starts_with_the_two_commands():
    head = (ROOT / "README.md").read_text().split("\n## ")[0]
    assert "make run" in head
    assert "make test" in head
