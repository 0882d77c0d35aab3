"""``machi backup`` and ``machi restore``: the database and the data folder in one archive.

The database is copied the way its engine copies itself consistently while in use: SQLite's
online backup API, PostgreSQL's ``pg_dump --format=custom`` (restored with ``pg_restore``). The
files of ``MACHI_DATA_DIR`` (uploads, a generated secret key) go beside it. The archive's
``manifest.json`` records the row count of every table; a restore is checked against it.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import shutil
import sqlite3
import tarfile
import tempfile
from pathlib import Path
from typing import Any

from piccolo.engine.postgres import PostgresEngine

from shell import db
from shell.settings import Settings

FORMAT = 1


class BackupError(Exception):
    """The backup or restore cannot go ahead; the message says why."""


def _engine_kind(engine: Any) -> str:
    return "postgresql" if isinstance(engine, PostgresEngine) else "sqlite"


async def table_counts() -> dict[str, int]:
    return {table._meta.tablename: await table.count() for table in db.tables_in_dependency_order()}


def _data_files(settings: Settings) -> list[Path]:
    """Everything in the data folder but the live SQLite files (copied by the backup API)."""
    skip = {settings.sqlite_path.name, f"{settings.sqlite_path.name}-wal"}
    skip |= {f"{settings.sqlite_path.name}-shm", f"{settings.sqlite_path.name}-journal"}
    if not settings.data_dir.exists():
        return []
    return sorted(
        path
        for path in settings.data_dir.rglob("*")
        if path.is_file() and path.name not in skip and path.suffix != ".machi-backup"
    )


def _dsn(engine: Any) -> str:
    return str(engine.config["dsn"])


async def _tool(name: str, *args: str) -> None:
    """Run ``pg_dump`` or ``pg_restore`` (from the PostgreSQL client package) to completion."""
    path = shutil.which(name)
    if path is None:
        raise BackupError(f"{name} is not installed: install the PostgreSQL client tools")
    process = await asyncio.create_subprocess_exec(
        path, *args, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE
    )
    _out, err = await process.communicate()
    if process.returncode != 0:
        raise BackupError(f"{name} failed: {err.decode(errors='replace').strip()}")


def _sqlite_copy(source: Path, target: Path) -> None:
    """SQLite's online backup: a consistent copy even while the database is in use."""
    origin = sqlite3.connect(source)
    copy = sqlite3.connect(target)
    try:
        origin.backup(copy)
    finally:
        copy.close()
        origin.close()


def _pack(settings: Settings, work: Path, target: Path, manifest: dict[str, Any]) -> None:
    files = _data_files(settings)
    for path in files:
        relative = path.relative_to(settings.data_dir)
        (work / "files" / relative).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(path, work / "files" / relative)
    manifest["files"] = [str(path.relative_to(settings.data_dir)) for path in files]
    (work / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=1))
    target.parent.mkdir(parents=True, exist_ok=True)
    with tarfile.open(target, "w:gz") as archive:
        for path in sorted(work.rglob("*")):
            archive.add(path, arcname=str(path.relative_to(work)), recursive=False)


def _unpack(source: Path, work: Path) -> dict[str, Any]:
    try:
        with tarfile.open(source, "r:gz") as archive:
            archive.extractall(work, filter="data")
        manifest: dict[str, Any] = json.loads((work / "manifest.json").read_text())
    except (OSError, tarfile.TarError, ValueError, KeyError) as exc:
        raise BackupError(f"{source} is not a Machi backup ({exc})") from None
    if manifest.get("format") != FORMAT:
        raise BackupError(f"{source} has backup format {manifest.get('format')!r}")
    return manifest


def _put_files_back(settings: Settings, work: Path, manifest: dict[str, Any]) -> None:
    for relative in manifest["files"]:
        target = settings.data_dir / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(work / "files" / relative, target)


async def backup(settings: Settings, target: Path) -> dict[str, Any]:
    """Write the archive ``target``; returns its manifest."""
    engine = db.current()
    kind = _engine_kind(engine)
    manifest: dict[str, Any] = {
        "format": FORMAT,
        "engine": kind,
        "created_at": dt.datetime.now(dt.UTC).isoformat(),
        "counts": await table_counts(),
    }
    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        if kind == "sqlite":
            await asyncio.to_thread(_sqlite_copy, settings.sqlite_path, work / "database.sqlite3")
        else:
            dump = str(work / "database.pgdump")
            await _tool("pg_dump", "--format=custom", "--no-owner", "--file", dump, _dsn(engine))
        await asyncio.to_thread(_pack, settings, work, target, manifest)
    return manifest


async def restore(settings: Settings, source: Path) -> dict[str, Any]:
    """Put the archive's database and files back, then check every table's row count.

    The app servers must be stopped. The database must be of the same engine as the backup.
    """
    engine = db.current()
    kind = _engine_kind(engine)
    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        manifest = await asyncio.to_thread(_unpack, source, work)
        if manifest["engine"] != kind:
            raise BackupError(
                f"the backup is of a {manifest['engine']} database, this is {kind}: restore into "
                "the same engine"
            )
        if kind == "sqlite":
            await db.stop(engine)  # its kept-open connection must not see the file change under it
            await asyncio.to_thread(_sqlite_copy, work / "database.sqlite3", settings.sqlite_path)
        else:
            dump = str(work / "database.pgdump")
            await _tool("pg_restore", "--clean", "--if-exists", "--no-owner",
                        "--single-transaction", "--dbname", _dsn(engine), dump)  # fmt: skip
        await asyncio.to_thread(_put_files_back, settings, work, manifest)
    await db.start(engine)
    counts = await table_counts()
    different = {
        name: (want, counts.get(name))
        for name, want in manifest["counts"].items()
        if counts.get(name) != want
    }
    if different:
        raise BackupError(f"restored row counts differ from the backup's: {different}")
    return manifest
