"""What a mini-app adds to its host besides web pages: database tables, console commands,
periodic jobs and demo data.

A :class:`~machi_sdk.MiniApp` declares them; the host runs them:

- **Tables** (``piccolo_app=``): the dotted name of the app's Piccolo ``AppConfig`` module,
  made with :func:`piccolo_app_config`. The city's shell migrates a hosted first-party app's
  tables on its own database engine (``machi db migrate``, ``machi serve``); a partner running
  its own process lists the module in its own ``piccolo_conf.py`` and runs
  ``piccolo migrations forwards <app>``. Name tables ``<app>_…`` (``garbage_area``).
- **Commands** (``commands=``): ``click`` commands; the shell offers them as
  ``machi <app id> <command>`` (the database migrated first), a partner adds them to its own
  ``click`` group.
- **Periodic jobs** (``jobs=``): :class:`PeriodicJob`; the host calls ``run(platform)`` every
  ``every`` with the app's :class:`~machi_sdk.Platform`, *at least once* per period, so ``run``
  must be idempotent (record what it did, e.g. each reminder sent).
- **Demo data** (``demo=``): an async callable returning lines for the operator; the shell runs
  it with its own demo data (``machi demo``, first start of ``machi serve``). It must be
  idempotent.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from machi_sdk.platform import Platform


@dataclass(frozen=True)
class PeriodicJob:
    """Work the host runs every ``every``: ``await run(platform)``.

    ``name`` is short (``reminders``); the host prefixes it with the app id. Delivery is at least
    once and may overlap a slow previous run: make ``run`` idempotent.
    """

    name: str
    every: dt.timedelta
    run: Callable[[Platform], Awaitable[None]]

    def __post_init__(self) -> None:
        if not self.name or not self.name.replace("_", "").replace("-", "").isalnum():
            raise ValueError(f"a job name is letters, digits, '-' and '_', not {self.name!r}")
        if self.every < dt.timedelta(seconds=1):
            raise ValueError("a periodic job runs at most once a second")


def piccolo_app_config(
    app_name: str,
    folder: str | Path,
    *,
    tables_module: str,
    migration_dependencies: tuple[str, ...] = (),
) -> Any:
    """The Piccolo ``AppConfig`` of a mini-app: tables from ``tables_module`` (a dotted module
    name), migrations in ``<folder>/piccolo_migrations``.

    In the app's ``piccolo_app.py``::

        APP_CONFIG = piccolo_app_config("garbage", Path(__file__).parent,
                                        tables_module=f"{__package__}.tables")

    Generate migrations with ``piccolo migrations new <app_name> --auto``. Piccolo is needed
    (``pip install piccolo``); the SDK itself does not depend on it.
    """
    from piccolo.conf.apps import AppConfig, table_finder

    return AppConfig(
        app_name=app_name,
        migrations_folder_path=str(Path(folder) / "piccolo_migrations"),
        table_classes=table_finder(modules=[tables_module], exclude_imported=True),
        migration_dependencies=list(migration_dependencies),
        commands=[],
    )


def write_transaction(table: Any) -> Any:
    """A transaction for a write that others may race, on ``table``'s database engine
    (``async with write_transaction(MyTable): ...``). On SQLite it begins ``IMMEDIATE``, taking
    the write lock at once, so racing writers queue instead of failing when they upgrade a read
    lock; on PostgreSQL it is a plain transaction (lock rows or use unique keys as usual)."""
    from piccolo.engine.sqlite import SQLiteEngine, TransactionType

    engine = table._meta.db
    if isinstance(engine, SQLiteEngine):
        return engine.transaction(transaction_type=TransactionType.immediate)
    return engine.transaction()


# A list of values as a parameter each, ``IN ($2, $3, ...)`` (Piccolo's ``is_in``), fails past
# 32,767 values on PostgreSQL and makes a new statement text for every length of list; so do
# integers written into the text, for every list. asyncpg prepares each text once per pooled
# connection and keeps the last 100, so each new one is prepared again (a round trip and a plan)
# and pushes the app's other statements out of the cache. On PostgreSQL these two send the list
# as one array parameter instead.


def ids_among(column_sql: str, ids: Sequence[int], engine: Any) -> tuple[str, list[Any]]:
    """Raw SQL's "``column_sql`` is one of ``ids``" and its arguments, for a Piccolo
    ``QueryString`` on ``engine``: on PostgreSQL one array parameter (``= ANY({})``); on SQLite
    the integers written into the text (no parameter per id, and preparing is cheap there)."""
    if engine.engine_type == "postgres":
        return f"{column_sql} = ANY({{}})", [[int(i) for i in ids]]
    return f"{column_sql} IN ({', '.join(str(int(i)) for i in ids)})", []


def among(column: Any, values: Sequence[Any]) -> Any:
    """``column.is_in(values)`` for a list of any length, in a Piccolo ``where``: integers as
    :func:`ids_among` sends them, other values as one array parameter on PostgreSQL and a
    parameter each on SQLite (``Title.id.is_in(ids)`` becomes ``among(Title.id, ids)``). An
    empty list matches nothing (where ``is_in`` raises)."""
    from piccolo.columns.combination import WhereRaw

    name = column._meta.get_full_name(with_alias=False)
    engine = column._meta.table._meta.db
    if all(type(value) is int for value in values):  # an empty list too: IN () on SQLite
        sql, args = ids_among(name, values, engine)
        return WhereRaw(sql, *args)
    if engine.engine_type == "postgres":
        return WhereRaw(f"{name} = ANY({{}})", list(values))
    return column.is_in(list(values))
