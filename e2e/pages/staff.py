"""A staff member for an end-to-end test: a resident signs up, the server console grants a role.

The demo's one-time staff codes can each be used once per server; tests that need their own
staff member use the console command an operator would (``machi staff grant``).
"""

from __future__ import annotations

import asyncio
import subprocess
import sys
from pathlib import Path
from typing import Any

from playwright.async_api import Page

from pages.identity import Resident, sign_up

ROOT = Path(__file__).resolve().parents[2]


def account_id(server: Any, name: str) -> int:
    with server.database() as connection:
        row = connection.execute(
            "SELECT id FROM identity_account WHERE name = ? ORDER BY id DESC LIMIT 1", (name,)
        ).fetchone()
    assert row, f"no account called {name}"
    return int(row[0])


async def grant(server: Any, account: int, role: str) -> None:
    """``machi staff grant ACCOUNT ROLE`` on ``server``'s database, as an operator would."""
    await asyncio.to_thread(
        subprocess.run,
        [sys.executable, "-m", "shell.cli", "staff", "grant", str(account), role],
        env=server.env,
        cwd=ROOT,
        check=True,
        capture_output=True,
    )


async def become_staff(page: Page, server: Any, role: str, who: Resident) -> int:
    """Sign ``who`` up on ``page`` and give them ``role``; returns their account id."""
    await sign_up(page, who)
    found = account_id(server, who.name)
    await grant(server, found, role)
    return found
