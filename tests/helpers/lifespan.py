"""For tests that run the app's whole lifespan (``app.lifespan()``): its shutdown stops the
engine it started, so such a test binds a migrated database of its own instead of the shared
``db`` fixture's, and forgets the signing key cached for that fixture's database."""

from __future__ import annotations

from pathlib import Path

from shell import db
from shell.miniapp_host import keys


async def own_database(folder: Path) -> None:
    keys.forget_cached_key()
    db.bind(db.engine_for_url(f"sqlite:///{folder / 'own.sqlite3'}"))
    await db.migrate()
