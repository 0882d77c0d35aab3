"""Use without network: the SDK's service worker, on the app's own origin.

Give a :class:`MiniApp` ``offline=Offline(...)`` and the app serves ``/sw.js``, a service worker
that keeps one public page for use without network, with the styles and scripts it needs. Pages
ask for it in markup: an element ``data-machi-keep-offline`` (the page itself) or
``data-machi-keep-offline="/offline/12"`` (a path below it, e.g. one area's calendar) makes
``machi.js`` register the worker and keep that page, after every htmx swap too. A page load that
cannot reach the network then shows the kept page. Script-only callers use
``machi.keepOffline(url)``.

The kept page is fetched without the resident's token and stored on the device: it must hold
nothing personal. Whatever is personal (a library card's number, a child's records) stays in the
app's own storage on the device, written by the app's script, and is drawn by the offline page's
script.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

WORKER = Path(__file__).parent / "worker" / "offline.js"


@dataclass(frozen=True)
class Offline:
    """What an app keeps for use without network: ``page``, the path of its offline page (pages
    at paths below it are kept under it), and ``assets``, same-origin paths kept with it."""

    page: str = "/offline"
    assets: Sequence[str] = field(default_factory=tuple)

    def __post_init__(self) -> None:
        paths = [self.page, *self.assets]
        bad = [p for p in paths if not p.startswith("/") or p.startswith("//") or p == "/"]
        if bad:
            raise ValueError(f"offline paths are paths on the app's own origin, not {bad}")


def worker_script(app_id: str, offline: Offline) -> bytes:
    """The worker with its settings. The cache's name changes with the script or the settings,
    so a new version starts from a fresh cache and drops the old one."""
    script = WORKER.read_bytes()
    prefix = f"{app_id}-offline-"
    settings = {"page": offline.page, "assets": list(offline.assets), "prefix": prefix}
    version = hashlib.sha256(script + json.dumps(settings).encode()).hexdigest()[:12]
    settings["cache"] = prefix + version
    return b"self.MACHI_OFFLINE = " + json.dumps(settings).encode() + b";\n" + script


__all__ = ["Offline", "worker_script"]
