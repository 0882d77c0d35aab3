"""Which reads a piece of code makes, and whether SQLite finds their rows through an index.

A read that scans a table costs in proportion to the town: nothing with the twenty residents of a
test, a visit to each of 800,000 residents' rows on every page in a prefecture. The reads run
inline on the calling thread's read connection (``shell.db.KeptOpenSQLiteEngine._read_inline``),
where a wrapper sees every one of them, with its values."""

from __future__ import annotations

import contextlib
import re
import sqlite3
from collections.abc import Iterator
from typing import Any

import pytest

from shell import db as machi_db

Read = tuple[str, list[Any]]  # a statement and its values
_SCAN = re.compile(r"\bSCAN (\S+)")


def sqlite_engine(engine: Any) -> machi_db.KeptOpenSQLiteEngine:
    """The test's engine when it is SQLite; PostgreSQL's planner picks by table statistics, which a
    test's few rows make meaningless, so plans are checked on SQLite only."""
    if not isinstance(engine, machi_db.KeptOpenSQLiteEngine):
        pytest.skip("query plans are checked on SQLite; PostgreSQL plans by its statistics")
    return engine


@contextlib.contextmanager
def traced_reads(engine: machi_db.KeptOpenSQLiteEngine) -> Iterator[list[Read]]:
    """The ``SELECT`` statements (with their values) read inline while the block runs."""
    reads: list[Read] = []
    inline = engine._read_inline

    def read(query: str, args: list[Any]) -> Any:
        reads.append((query, list(args)))
        return inline(query, args)

    engine._read_inline = read  # type: ignore[method-assign]
    try:
        yield reads
    finally:
        del engine._read_inline


def plans(engine: machi_db.KeptOpenSQLiteEngine, reads: list[Read]) -> str:
    """SQLite's query plans of the reads, one line a step."""
    with sqlite3.connect(engine.path) as conn:
        return "\n".join(
            str(row[-1])
            for sql, args in reads
            for row in conn.execute(f"EXPLAIN QUERY PLAN {sql}", args)
        )


def scanned_tables(engine: machi_db.KeptOpenSQLiteEngine, reads: list[Read]) -> dict[str, str]:
    """{table: statement} for every table one of the reads finds its rows in by scanning it."""
    found: dict[str, str] = {}
    for sql, args in reads:
        for table in _SCAN.findall(plans(engine, [(sql, args)])):
            if table != "CONSTANT":  # SCAN CONSTANT ROW: a SELECT EXISTS(...) reads no table
                found[table.strip('"')] = sql
    return found


async def reads_of_a_visit(app: Any, engine: machi_db.KeptOpenSQLiteEngine, path: str) -> Any:
    """A newly signed-up resident's visit to ``path``: (the page, the reads it made)."""
    from tests.conftest import make_client
    from tests.helpers.authenticator import SoftAuthenticator
    from tests.helpers.flows import signup

    async with make_client(app) as client:
        await signup(client, SoftAuthenticator())
        with traced_reads(engine) as reads:
            page = await client.get(path)
    return page, reads
