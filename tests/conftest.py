"""Shared fixtures: a migrated database (SQLite always, PostgreSQL when configured), the app,
an HTTP client speaking to it, and the demo districts."""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from litestar import Litestar
from piccolo.engine.postgres import PostgresEngine

os.environ.setdefault("PICCOLO_CONF", "shell.piccolo_conf")

from shell import db as machi_db
from shell import jobs
from shell.app import create_app
from shell.settings import Settings


def _redis_url_for_this_worker(url: str) -> str:
    """Under pytest-xdist each worker gets a Redis database of its own (15, 14, ...: the given
    one counting down), so workers never share the job streams, channels or session keys. Test
    modules read the variable when imported, after this conftest."""
    worker = os.environ.get("PYTEST_XDIST_WORKER", "")
    if not url or not worker.startswith("gw"):
        return url
    base, _, number = url.rpartition("/")
    first = int(number) if number.isdigit() else 0
    return f"{base}/{(first - int(worker[2:])) % 16}"


os.environ["MACHI_TEST_REDIS_URL"] = _redis_url_for_this_worker(
    os.environ.get("MACHI_TEST_REDIS_URL", "")
)
POSTGRES_URL = os.environ.get("MACHI_TEST_POSTGRES_URL", "")
REDIS_URL = os.environ["MACHI_TEST_REDIS_URL"]


async def _migrate(engine: Any) -> None:
    machi_db.bind(engine)
    await machi_db.migrate()


async def _create_postgres_database() -> tuple[str, str]:
    import asyncpg

    name = f"machi_test_{uuid.uuid4().hex[:10]}"
    admin = await asyncpg.connect(POSTGRES_URL)
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    base, _, _old = POSTGRES_URL.rpartition("/")
    return name, f"{base}/{name}"


async def _drop_postgres_database(name: str) -> None:
    import asyncpg

    admin = await asyncpg.connect(POSTGRES_URL)
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await admin.close()


@dataclass
class _Kept:
    engines: dict[str, Any] = field(default_factory=dict)  # "sqlite", "postgres"
    postgres_database: str = ""  # dropped when the session ends


@pytest.fixture(scope="session")
async def _kept() -> AsyncIterator[_Kept]:
    """Each kind of database is made and migrated once a worker, on first use, and kept.

    Pytest holds one value of a parametrized session fixture at a time, so ``engine`` alone
    would tear SQLite down to make PostgreSQL and back again at every test file a worker takes:
    two migrations (3-6 s each) a file, a quarter of the suite's time.
    """
    kept = _Kept()
    yield kept
    for engine in kept.engines.values():
        await machi_db.stop(engine)
    if kept.postgres_database:
        await _drop_postgres_database(kept.postgres_database)


@pytest.fixture(scope="session", params=["sqlite", "postgres"])
async def engine(
    request: pytest.FixtureRequest, _kept: _Kept, tmp_path_factory: pytest.TempPathFactory
) -> Any:
    kind = request.param
    if kind == "postgres" and not POSTGRES_URL:
        pytest.skip("PostgreSQL not configured: set MACHI_TEST_POSTGRES_URL to run these on it")
    if kind not in _kept.engines:
        if kind == "sqlite":
            path = tmp_path_factory.mktemp("db") / "machi.sqlite3"
            made = machi_db.engine_for_url(f"sqlite:///{path}")
        else:
            _kept.postgres_database, url = await _create_postgres_database()
            made = machi_db.engine_for_url(url)
            await machi_db.start(made)
        await _migrate(made)
        _kept.engines[kind] = made
    return _kept.engines[kind]


async def empty_every_table(engine: Any) -> None:
    """Every row of every table deleted, children first. PostgreSQL takes the 135 statements as
    one script in one round trip (75-100 ms a test one by one, on a busy machine)."""
    tables = list(reversed(machi_db.tables_in_dependency_order()))
    if isinstance(engine, PostgresEngine):
        script = ";\n".join(f'DELETE FROM "{table._meta.tablename}"' for table in tables)
        async with engine.pool.acquire() as connection:
            await connection.execute(script)  # no arguments: the simple protocol, one trip
        return
    for table in tables:
        await table.delete(force=True)


@pytest.fixture(name="db")
async def fx_db(engine: Any) -> AsyncIterator[Any]:
    """The bound engine; every table is emptied after the test."""
    machi_db.bind(engine)
    yield engine
    machi_db.bind(engine)
    await empty_every_table(engine)


@pytest.fixture(name="settings")
def fx_settings(tmp_path: Path) -> Settings:
    return Settings(
        public_url="https://localhost",
        apps_url="https://{slug}.localhost",
        data_dir=tmp_path,
        secret_key="test-secret-key",
        auth_rate_limit=1000,
        demo=False,
    )


@pytest.fixture(name="jobs")
async def fx_jobs(db: Any) -> AsyncIterator[jobs.Runner]:
    """The in-process job runner (no timers: a test runs a periodic job by calling it)."""
    runner = await jobs.start(None, consume=True, timers=False)
    yield runner
    await jobs.stop()


@pytest.fixture(name="app")
def fx_app(db: Any, jobs: jobs.Runner, settings: Settings) -> Litestar:
    return create_app(settings)


def make_client(app: Litestar) -> httpx.AsyncClient:
    """An HTTP client calling the app in this test's event loop (the database engine's loop).

    The test's engine fixture owns the database connections, so the app's lifespan is not run.
    """
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="https://localhost")


@pytest.fixture(name="client")
async def fx_client(app: Litestar) -> AsyncIterator[httpx.AsyncClient]:
    async with make_client(app) as client:
        yield client


@pytest.fixture(name="districts")
async def fx_districts(db: Any, settings: Settings) -> list[dict[str, Any]]:
    from shell.city.queries import districts
    from shell.demo import city

    await city(settings)
    return await districts()


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """Stop any aiosqlite worker thread still running: they are not daemon threads, so a
    connection some code left open would keep the test process alive after the last test."""
    import gc

    import aiosqlite

    left = [obj for obj in gc.get_objects() if isinstance(obj, aiosqlite.Connection)]
    for connection in left:
        if connection._running:
            connection.stop()
