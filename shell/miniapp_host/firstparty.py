"""The first-party mini-apps this city hosts in-process (``MACHI_MINIAPPS``), loaded once.

Used where the shell needs what a mini-app adds besides pages (``machi_sdk.extensions``): its
Piccolo app (``shell.piccolo_conf``), its commands (``shell.cli``), its periodic jobs
(:mod:`shell.miniapp_host.registry`) and its demo data (``shell.demo``). Imports nothing of the
shell but settings, so ``shell.piccolo_conf`` can use it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from shell.settings import ROOT, Settings


def folders(settings: Settings) -> list[Path]:
    """The folders of ``MACHI_MINIAPPS``, absolute."""
    return [Path(e) if Path(e).is_absolute() else ROOT / e for e in settings.miniapps]


def miniapps(settings: Settings) -> list[Any]:
    """Every hosted first-party ``MiniApp`` (manifests validated before any code is imported)."""
    from machi_sdk.app import load_miniapp

    return [load_miniapp(folder) for folder in folders(settings)]


def piccolo_apps(settings: Settings) -> list[str]:
    """Dotted names of the hosted apps' Piccolo apps, migrated on the shell's engine."""
    return [app.piccolo_app for app in miniapps(settings) if app.piccolo_app]
