"""Database engines: SQLite (embedded default) or PostgreSQL, chosen by URL.

Piccolo's SQLite engine opens a connection (and runs its PRAGMAs) for every query; measured on
this machine kind that caps a small read endpoint near a third of what one kept-open connection
serves. :class:`KeptOpenSQLiteEngine` keeps one connection for autocommit queries; transactions
still get a connection of their own, so they never see each other's uncommitted state.

Reads outside a transaction go further: they run on a read-only connection in the calling
thread, without the trip to aiosqlite's worker thread. In WAL mode a reader neither waits for a
writer nor holds one up, and the pages' reads are indexed lookups of microseconds, while each trip
to the worker thread costs a thread switch (on a busy two-core machine, most of a page's time:
the home page made eight). A read that finds the database busy goes the usual way instead, and
so does one that runs longer than ``INLINE_READ_SECONDS`` (an export, ``machi wallet verify``):
SQLite interrupts it and it runs again on the worker thread, so a large read does not hold up
the other requests of the event loop it was asked on.
"""

from __future__ import annotations

import asyncio
import functools
import math
import sqlite3
import threading
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, NamedTuple
from urllib.parse import unquote, urlsplit

import aiosqlite
import asyncpg

# Lists of values in a where clause, of any length and one statement for every list on
# PostgreSQL: the SDK's own, so that mini-apps have them too (shell code calls db.among).
from machi_sdk.extensions import among, ids_among  # noqa: F401
from piccolo.columns.m2m import M2MSelect
from piccolo.engine.base import Engine
from piccolo.engine.postgres import PostgresEngine
from piccolo.engine.sqlite import SQLiteEngine, dict_factory
from piccolo.query.base import Query
from piccolo.query.methods.select import First, Select
from piccolo.query.proxy import Proxy
from piccolo.querystring import QueryString

SQLITE_TIMEOUT_SECONDS = 30
# A read in the calling thread longer than this is interrupted and sent to the worker thread.
INLINE_READ_SECONDS = 0.002
_PROGRESS_STEPS = 1000  # SQLite virtual-machine steps between looks at the clock
_LOAD_SCHEMA = "SELECT 1 FROM sqlite_master LIMIT 1"  # preparing any statement loads the schema


class KeptOpenSQLiteEngine(SQLiteEngine):
    """SQLite in WAL mode with one long-lived connection for statements outside transactions."""

    def __init__(self, path: str) -> None:
        super().__init__(path=path, timeout=SQLITE_TIMEOUT_SECONDS)
        self._shared: aiosqlite.Connection | None = None
        self._shared_loop: asyncio.AbstractEventLoop | None = None
        self._lock: asyncio.Lock | None = None
        self._readers = threading.local()  # a sqlite3 connection may serve only its own thread

    def create_db_file(self) -> None:
        Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        with sqlite3.connect(self.path) as conn:
            conn.execute("PRAGMA journal_mode=WAL")

    async def get_connection(self) -> aiosqlite.Connection:
        connection = await super().get_connection()
        await connection.execute(f"PRAGMA busy_timeout = {SQLITE_TIMEOUT_SECONDS * 1000}")
        return connection

    async def _shared_connection(self) -> tuple[aiosqlite.Connection, asyncio.Lock]:
        loop = asyncio.get_running_loop()
        if self._shared is None or self._shared_loop is not loop or self._lock is None:
            if self._shared is not None:
                # Opened on another event loop (one asyncio.run after another in a command or a
                # test): stop its worker thread, which would otherwise keep the process alive.
                self._shared.stop()
            self._shared = await aiosqlite.connect(**self.connection_kwargs)
            self._shared.row_factory = dict_factory  # type: ignore[assignment]
            await self._shared.execute("PRAGMA journal_mode=WAL")
            await self._shared.execute("PRAGMA foreign_keys = 1")
            await self._shared.execute("PRAGMA synchronous = NORMAL")
            await self._shared.execute(f"PRAGMA busy_timeout = {SQLITE_TIMEOUT_SECONDS * 1000}")
            self._shared_loop = loop
            self._lock = asyncio.Lock()
        return self._shared, self._lock

    def _reader(self) -> sqlite3.Connection:
        reader: sqlite3.Connection | None = getattr(self._readers, "connection", None)
        if reader is None:
            kwargs = {**self.connection_kwargs, "timeout": 0, "check_same_thread": True}
            reader = sqlite3.connect(**kwargs, cached_statements=256)
            reader.row_factory = dict_factory
            reader.execute("PRAGMA query_only = 1")  # a read connection, whatever it is sent
            deadline = self._readers.deadline = [0.0]
            clock = time.perf_counter
            reader.set_progress_handler(lambda: clock() > deadline[0], _PROGRESS_STEPS)
            self._readers.connection = reader
        return reader

    def _read_inline(self, query: str, args: list[Any]) -> list[dict[str, Any]] | None:
        """The rows of a ``SELECT`` read here and now; ``None`` when the database is busy (a
        checkpoint or a recovery holds it) or the read outlasts ``INLINE_READ_SECONDS``: the
        caller then runs it the usual way, off the event loop."""
        reader = self._reader()
        readers = self._readers
        try:
            if not getattr(readers, "schema_loaded", False):
                # SQLite parses the schema (every CREATE statement) before a connection's first
                # read and again once another connection has changed it (a migration run by this
                # process: the tests, `machi demo`, the benches). That counted against the read's
                # budget: 3 ms for ours on a slow machine, more than the budget, and after a
                # migration every later read started the parse again, was cut short and went to
                # the worker thread 3 ms late. So the schema is parsed here with no deadline.
                readers.deadline[0] = math.inf
                reader.execute(_LOAD_SCHEMA).fetchall()
                readers.schema_loaded = True
            readers.deadline[0] = time.perf_counter() + INLINE_READ_SECONDS
            return reader.execute(query, args).fetchall()
        except sqlite3.OperationalError as exc:
            message = str(exc).lower()
            if "interrupted" in message:
                readers.schema_loaded = False  # in case the schema had changed: cheap if not
                return None
            if "locked" in message or "busy" in message:
                return None
            raise

    async def _run_in_new_connection(
        self,
        query: str,
        args: list[Any] | None = None,
        query_type: str = "generic",
        table: Any = None,
    ) -> Any:
        if query.lstrip()[:6].upper() == "SELECT":
            rows = self._read_inline(query, args or [])
            if rows is not None:
                return rows
        connection, lock = await self._shared_connection()
        # one trip to aiosqlite's thread (execute, fetch and close there) instead of three: on a
        # busy machine each trip waits for that thread to be scheduled
        async with lock:
            return await connection.execute_fetchall(query, args or [])

    async def close(self) -> None:
        reader = getattr(self._readers, "connection", None)
        if reader is not None:
            reader.close()
            self._readers.connection = None
        if self._shared is not None:
            await self._shared.close()
            self._shared = None


class _Value:
    """Stands for the ``index``-th value of a :class:`Prepared` read while Piccolo builds it."""

    __slots__ = ("index",)

    def __init__(self, index: int) -> None:
        self.index = index


class _Built(NamedTuple):
    query: Query[Any, Any]
    first: bool  # the build returned the query's first()
    sql: str
    args: list[Any]  # with a _Value for each of a call's values
    table: Any
    rows_as_they_are: bool  # see _rows_as_they_are


class Prepared:
    """A read run on every page whose SQL Piccolo builds once per engine kind, not per call.

    Building a select (columns, joins, where clause) costs Piccolo several times what the indexed
    read itself costs; the pages repeat the same few reads for every request. ``build`` gets one
    stand-in per value and returns the Piccolo query; each call then binds the values it is given
    to the SQL built the first time, runs it on the tables' current engine (in the current
    transaction, if any) and hands the rows to the same query's own result handling (``first()``,
    ``output()``). Values must be what the database takes as they are (ints, strings, dates): no
    Enum or Table instances, which Piccolo would convert while building.
    """

    def __init__(
        self, build: Callable[..., Query[Any, Any] | First], arity: int | None = None
    ) -> None:
        """``arity``: how many values ``build`` takes, when it takes ``*values``."""
        self.build = build
        self.arity = build.__code__.co_argcount if arity is None else arity
        self._built: dict[str, _Built] = {}

    def _for(self, engine_type: str) -> _Built:
        built = self._built.get(engine_type)
        if built is None:
            query = self.build(*[_Value(i) for i in range(self.arity)])
            first = isinstance(query, First)
            if isinstance(query, Proxy):
                if not first:
                    raise TypeError(f"Prepared takes a query or its first(), not {query!r}")
                query = query.query
            (querystring,) = query.querystrings
            sql, args = querystring.compile_string(engine_type=engine_type)
            built = _Built(query, first, sql, args, querystring.table, _rows_as_they_are(query))
            self._built[engine_type] = built
        return built

    async def __call__(self, *values: Any) -> Any:
        engine = current()  # looked up on every call: tests bind one engine after another
        query, first, sql, args, table, as_they_are = self._for(engine.engine_type)
        bound = [values[arg.index] if isinstance(arg, _Value) else arg for arg in args]
        rows = None
        if (
            isinstance(engine, KeptOpenSQLiteEngine)
            and not engine.log_queries
            and engine.current_transaction.get() is None
        ):
            # what run_querystring would end in, without the query string it builds on the way
            rows = engine._read_inline(sql, bound)  # None when the database is busy
        if rows is None:
            compiled = QueryString("", query_type="select", table=table)
            compiled._frozen_compiled_strings = (sql, bound)
            rows = await engine.run_querystring(compiled)
            as_they_are = False  # another engine's rows, or the worker thread's: the usual way
        if not as_they_are:
            rows = await query._process_results(rows)
        if first:
            return rows[0] if rows else None
        return rows


def _rows_as_they_are(query: Query[Any, Any]) -> bool:
    """Whether Piccolo's result handling gives SQLite's row dicts back unchanged: a plain select,
    with no JSON to load, no objects or nesting to make and no many-to-many rows to splice."""
    if type(query) is not Select or hasattr(query, "_raw_response_callback"):
        return False
    output = query.output_delegate._output
    if output.load_json or output.as_objects or output.nested:
        return False
    return not any(isinstance(c, M2MSelect) for c in query.columns_delegate.selected_columns)


def engine_for_url(url: str) -> Engine[Any]:
    """Build the Piccolo engine for ``sqlite:///path`` or ``postgresql://…``."""
    if url.startswith("sqlite:///"):
        # sqlite:///relative/path or sqlite:////absolute/path, as SQLAlchemy spells them.
        path = unquote(url.removeprefix("sqlite:///"))
        engine = KeptOpenSQLiteEngine(path=path)
        engine.create_db_file()
        return engine
    if urlsplit(url).scheme in {"postgres", "postgresql"}:
        return PostgresEngine(config={"dsn": url})
    raise SystemExit(f"MACHI_DATABASE_URL must start with sqlite:/// or postgresql://, not {url!r}")


class PooledConnection(asyncpg.Connection):  # type: ignore[misc]
    """A pooled connection handed back without asyncpg's reset query (``pg_advisory_unlock_all();
    CLOSE ALL; UNLISTEN *; RESET ALL``), which Piccolo's one acquire per query turned into a
    second round trip for every query. Nothing here leaves session state on a pooled connection
    (the migration lock has a connection of its own); an open transaction is still rolled back."""

    def get_reset_query(self) -> str:
        return ""


POOL_SIZE = 10


class FairPool:
    """asyncpg's pool in first-come, first-served order.

    asyncpg hands a freed connection to whichever task asks next: a task that has waited is
    woken, but a newcomer that asks before the woken task runs takes the connection, and the
    waiter goes to the back again. Under load (64 payers on 10 connections) a few requests
    waited several turns, which made the p99 three to four times the median. Every acquire
    here first takes a turn from a FIFO semaphore as large as the pool, so a connection is
    always free when a task's turn comes, and turns are served in the order asked.
    """

    def __init__(self, pool: Any, size: int) -> None:
        self._pool = pool
        self._turns = asyncio.Semaphore(size)

    def acquire(self) -> _FairAcquire:
        return _FairAcquire(self)

    async def release(self, connection: Any) -> None:
        try:
            await self._pool.release(connection)
        finally:
            self._turns.release()

    async def _take(self) -> Any:
        await self._turns.acquire()
        try:
            return await self._pool.acquire()
        except BaseException:
            self._turns.release()
            raise

    def __getattr__(self, name: str) -> Any:
        return getattr(self._pool, name)


class _FairAcquire:
    """Both ``await pool.acquire()`` (Piccolo's transactions) and ``async with`` (its queries)."""

    def __init__(self, pool: FairPool) -> None:
        self._fair = pool
        self._connection: Any = None

    def __await__(self) -> Any:
        return self._fair._take().__await__()

    async def __aenter__(self) -> Any:
        self._connection = await self._fair._take()
        return self._connection

    async def __aexit__(self, *exc: object) -> None:
        await self._fair.release(self._connection)


async def start(engine: Engine[Any]) -> None:
    """Open the PostgreSQL pool (Piccolo without one is many times slower); idempotent."""
    if isinstance(engine, PostgresEngine) and engine.pool is None:
        await engine.start_connection_pool(
            min_size=1, max_size=POOL_SIZE, connection_class=PooledConnection
        )
        engine.pool = FairPool(engine.pool, POOL_SIZE)


async def stop(engine: Engine[Any]) -> None:
    if isinstance(engine, PostgresEngine):
        await engine.close_connection_pool()
    elif isinstance(engine, KeptOpenSQLiteEngine):
        await engine.close()


def current() -> Engine[Any]:
    """The engine the app's tables use (``piccolo_conf.DB`` unless :func:`bind` changed it)."""
    return _piccolo_conf().DB  # type: ignore[no-any-return]


@functools.cache
def _piccolo_conf() -> Any:
    """The module, imported on first use (it builds the engine from the settings), then kept:
    :func:`current` is asked on every read of a page."""
    from shell import piccolo_conf

    return piccolo_conf


def bind(engine: Engine[Any]) -> None:
    """Point every registered table, and the migrations, at ``engine`` (tests, tools)."""
    from piccolo.apps.migrations.tables import Migration

    from shell import piccolo_conf

    piccolo_conf.DB = engine
    Migration._meta._db = engine
    for app_config in piccolo_conf.APP_REGISTRY.app_configs.values():
        for table in app_config.table_classes:
            table._meta._db = engine


def tables_in_dependency_order() -> list[Any]:
    from piccolo.table import sort_table_classes

    from shell import piccolo_conf

    tables = [t for c in piccolo_conf.APP_REGISTRY.app_configs.values() for t in c.table_classes]
    return sort_table_classes(tables)


def contains(column: Any, text: str) -> Any:
    """Case-insensitive "contains" on either engine (SQLite's LIKE already ignores ASCII case)."""
    escaped = text.replace("\\", "").replace("%", "").replace("_", "")
    needle = f"%{escaped}%"
    if column._meta.table._meta.db.engine_type == "postgres":
        return column.ilike(needle)
    return column.like(needle)


class MigrationError(Exception):
    """Applying the migrations failed; the message is Piccolo's."""


# pg_advisory_lock key held while migrating: app servers starting together take turns.
MIGRATION_LOCK = 0x6D61636869  # "machi"


async def migrate() -> None:
    """Apply every pending migration of every area to the bound engine.

    On PostgreSQL, several app servers (or a migration job and a server) may start at once: a
    session advisory lock lets one migrate while the others wait, then find nothing to do.
    """
    from piccolo.apps.migrations.commands.forwards import run_forwards

    async def forwards() -> None:
        result = await run_forwards(app_name="all", migration_id="all", fake=False)
        if not result.success:
            raise MigrationError(result.message)

    engine = current()
    if not isinstance(engine, PostgresEngine):
        await forwards()
        return

    holder = await asyncpg.connect(engine.config["dsn"])
    try:
        await holder.execute("SELECT pg_advisory_lock($1)", MIGRATION_LOCK)
        await forwards()
    finally:
        await holder.close()  # ends the session, which releases the lock


def area_config(app_name: str, *, depends_on: tuple[str, ...] = ()) -> Any:
    """The Piccolo ``AppConfig`` of a shell area: its tables, its migrations folder, and the
    areas whose migrations must run first (``("identity",)`` means ``shell.identity``)."""
    from pathlib import Path

    from piccolo.conf.apps import AppConfig, table_finder

    return AppConfig(
        app_name=app_name,
        migrations_folder_path=str(Path(__file__).parent / app_name / "piccolo_migrations"),
        table_classes=table_finder(modules=[f"shell.{app_name}.tables"], exclude_imported=True),
        migration_dependencies=[f"shell.{area}.piccolo_app" for area in depends_on],
        commands=[],
    )


def index_migration(
    app_name: str, migration_id: str, description: str, indexes: dict[str, str]
) -> Callable[[], Awaitable[Any]]:
    """The ``forwards`` of a migration that only creates indexes: ``{name: "[UNIQUE ]t (cols)"}``.

    Unique indexes over several columns are how this project makes such columns unique: SQLite
    cannot ``ALTER TABLE ADD CONSTRAINT``. Such a migration stands alone because Piccolo runs a
    migration's raw statements before it creates that migration's tables.
    """
    from piccolo.apps.migrations.auto.migration_manager import MigrationManager
    from piccolo.engine import engine_finder

    async def create() -> None:
        engine = engine_finder()
        assert engine is not None
        for name, target in indexes.items():
            unique = target.startswith("UNIQUE ")
            on = target.removeprefix("UNIQUE ")
            await engine.run_ddl(f"CREATE {'UNIQUE ' if unique else ''}INDEX {name} ON {on}")

    async def drop() -> None:
        engine = engine_finder()
        assert engine is not None
        for name in indexes:
            await engine.run_ddl(f"DROP INDEX {name}")

    async def forwards() -> Any:
        manager = MigrationManager(
            migration_id=migration_id, app_name=app_name, description=description
        )
        manager.add_raw(create)
        manager.add_raw_backwards(drop)
        return manager

    return forwards
