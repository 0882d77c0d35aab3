"""machi backup / machi restore round-trip a populated installation, checked table by table."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid

import pytest

from shell.settings import ROOT
from tests.conftest import POSTGRES_URL


def machi(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "shell.cli", *args],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip


def _database(request, tmp_path) -> str:
    if request.param == "sqlite":
        return ""
    if not POSTGRES_URL:
        pytest.skip("PostgreSQL not configured: set MACHI_TEST_POSTGRES_URL to run these on it")
    import asyncio

    import asyncpg

    name = f"machi_backup_{uuid.uuid4().hex[:8]}"

    async def create() -> None:
        admin = await asyncpg.connect(POSTGRES_URL)
        await admin.execute(f'CREATE DATABASE "{name}"')
        await admin.close()

    asyncio.run(create())
    request.addfinalizer(lambda: _drop(name))
    return POSTGRES_URL.rpartition("/")[0] + "/" + name


def _drop(name: str) -> None:
    import asyncio

    import asyncpg

    async def drop() -> None:
        admin = await asyncpg.connect(POSTGRES_URL)
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()

    asyncio.run(drop())


@pytest.fixture(name="installation", params=["sqlite", "postgres"])
def fx_installation(request, tmp_path):
    env = {
        **os.environ,
        "MACHI_DATA_DIR": str(tmp_path / "data"),
        "MACHI_DATABASE_URL": _database(request, tmp_path),
        "MACHI_REDIS_URL": "",
        "MACHI_SECRET_KEY": "backup-test-secret",
    }
    demo = machi(env, "demo")  # a populated town: districts, residents, staff, shops, balances
    assert demo.returncode == 0, demo.stderr
    return env


def test_a_backup_restores_every_row_and_file_and_the_ledger_still_balances(installation, tmp_path):
    env = installation
    (tmp_path / "data" / "uploads").mkdir(parents=True, exist_ok=True)
    (tmp_path / "data" / "uploads" / "photo.jpg").write_bytes(b"\xff\xd8not-really-a-photo")
    archive = tmp_path / "machi.tar.gz"
    done = machi(env, "backup", str(archive))
    assert done.returncode == 0, done.stderr
    assert "rows in" in done.stdout

    # Disaster: the records are lost, the uploads too.
    lost = machi(env, "staff", "grant", "1", "admin")
    assert lost.returncode == 0, lost.stderr  # a change after the backup, undone by the restore
    (tmp_path / "data" / "uploads" / "photo.jpg").unlink()

    refused = machi(env, "restore", str(archive))
    assert refused.returncode != 0
    assert "--yes" in refused.stderr
    restored = machi(env, "restore", str(archive), "--yes")
    assert restored.returncode == 0, restored.stderr
    assert "every table's rows match" in restored.stdout
    assert (
        tmp_path / "data" / "uploads" / "photo.jpg"
    ).read_bytes() == b"\xff\xd8not-really-a-photo"
    verified = machi(env, "wallet", "verify")
    assert verified.returncode == 0, verified.stdout + verified.stderr


def _contents(folder):
    return {p.relative_to(folder): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


def test_restoring_something_else_changes_nothing(tmp_path):
    # Refused before anything is touched: a migrated database and a file show it (a populated
    # town would take the demo's 15 s more to make).
    data = tmp_path / "data"
    env = {**os.environ, "MACHI_DATA_DIR": str(data), "MACHI_DATABASE_URL": "",
           "MACHI_REDIS_URL": "", "MACHI_SECRET_KEY": "backup-test-secret"}  # fmt: skip
    migrated = machi(env, "db", "migrate")
    assert migrated.returncode == 0, migrated.stderr
    (data / "uploads").mkdir(parents=True)
    (data / "uploads" / "photo.jpg").write_bytes(b"kept")
    before = _contents(data)
    assert "machi.sqlite3" in {str(path) for path in before}
    bogus = tmp_path / "bogus.tar.gz"
    bogus.write_bytes(b"not an archive")
    refused = machi(env, "restore", str(bogus), "--yes")
    assert refused.returncode != 0
    assert "is not a Machi backup" in refused.stderr
    assert _contents(data) == before
