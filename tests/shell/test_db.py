"""shell.db: reads built once (Prepared), SQLite reads answered without aiosqlite's thread, and
PostgreSQL connections handed out in the order asked."""

from __future__ import annotations

import asyncio
import datetime as dt
from typing import Any

import aiosqlite
import asyncpg
import pytest
from piccolo.querystring import QueryString

from shell import db as machi_db
from shell.city.tables import District
from shell.identity.tables import Account, WebSession
from tests.conftest import POSTGRES_URL

_session = machi_db.Prepared(
    lambda key: (
        WebSession.select(WebSession.value, WebSession.expires_at)
        .where(WebSession.key == key)
        .first()
    )
)
_named = machi_db.Prepared(
    lambda name, kana: (
        Account.select(Account.id, Account.name)
        .where((Account.name == name) & (Account.name_kana == kana))
        .order_by(Account.id)
    )
)
_exists = machi_db.Prepared(lambda name: Account.exists().where(Account.name == name))
_nested = machi_db.Prepared(
    lambda name: (
        Account.select(Account.id, Account.district.name)
        .where(Account.name == name)
        .output(nested=True)
    )
)


async def _account(name: str, kana: str = "かな") -> dict[str, Any]:
    district = await District.insert(
        District(name="本庄", name_kana="ほんじょう", code="d1")
    ).returning(District.id)
    row = Account(name=name, name_kana=kana, birth_date=dt.date(1980, 1, 1),
                  district=district[0]["id"], webauthn_user_id=f"w-{name}")  # fmt: skip
    await Account.insert(row)
    return await Account.select().where(Account.name == name).first()  # type: ignore[return-value]


async def test_prepared_reads_answer_as_the_query_does_with_each_calls_values(db: Any) -> None:
    expires = dt.datetime(2030, 1, 1, tzinfo=dt.UTC)
    await WebSession.insert(
        WebSession(key="a", value=b"one", expires_at=expires),
        WebSession(key="b", value=b"two", expires_at=None),
    )
    first = await _session("a")
    assert (
        first
        == await WebSession.select(WebSession.value, WebSession.expires_at)
        .where(WebSession.key == "a")
        .first()
    )
    assert bytes(first["value"]) == b"one"
    assert first["expires_at"] == expires
    assert bytes((await _session("b"))["value"]) == b"two"
    assert await _session("missing") is None

    me = await _account("山田")
    assert await _named("山田", "かな") == [{"id": me["id"], "name": "山田"}]
    assert await _named("山田", "カナ") == []
    assert await _exists("山田") is True
    assert await _exists("佐藤") is False
    # results Piccolo reshapes are reshaped here too
    assert await _nested("山田") == [{"id": me["id"], "district": {"name": "本庄"}}]


async def test_among_finds_what_is_in_finds_for_lists_of_any_length(db: Any) -> None:
    expires = dt.datetime(2030, 1, 1, tzinfo=dt.UTC)
    await WebSession.insert(
        *(WebSession(key=f"k{i}", value=b"v", expires_at=expires) for i in range(5))
    )
    ids = sorted(row["id"] for row in await WebSession.select(WebSession.id))

    async def keys(where: Any) -> list[str]:
        rows = await WebSession.select(WebSession.key).where(where).order_by(WebSession.key)
        return [row["key"] for row in rows]

    for chosen in (["k1", "k3"], ["k0"]):
        assert await keys(machi_db.among(WebSession.key, chosen)) == chosen
    assert await keys(machi_db.among(WebSession.id, ids[1:3])) == ["k1", "k2"]
    assert await keys(machi_db.among(WebSession.key, ["nobody"])) == []
    assert await keys(machi_db.among(WebSession.id, [])) == []
    # more values than PostgreSQL takes as parameters of one statement (32,767)
    many = [*range(ids[-1] + 1, ids[-1] + 40_000), ids[4]]
    assert await keys(machi_db.among(WebSession.id, many)) == ["k4"]


async def test_a_prepared_read_in_a_transaction_sees_its_uncommitted_writes(db: Any) -> None:
    async with db.transaction():
        await WebSession.insert(WebSession(key="t", value=b"mine", expires_at=None))
        assert bytes((await _session("t"))["value"]) == b"mine"
    assert await _session("t") is not None


async def test_sqlite_reads_see_committed_writes_and_are_not_held_up_by_a_writer(
    db: Any,
) -> None:
    if not isinstance(db, machi_db.KeptOpenSQLiteEngine):
        return  # PostgreSQL has no worker thread to skip
    await WebSession.insert(WebSession(key="w", value=b"v1", expires_at=None))
    assert bytes((await _session("w"))["value"]) == b"v1"
    await WebSession.update({WebSession.value: b"v2"}).where(WebSession.key == "w")
    assert bytes((await _session("w"))["value"]) == b"v2"

    # Another connection holds the write lock with an uncommitted change: a reader is answered
    # (WAL), with the committed value.
    async with aiosqlite.connect(db.path, isolation_level=None) as writer:
        await writer.execute("BEGIN IMMEDIATE")
        await writer.execute("UPDATE identity_session SET value = x'7633' WHERE key = 'w'")
        assert bytes((await _session("w"))["value"]) == b"v2"
        await writer.execute("COMMIT")
    assert bytes((await _session("w"))["value"]) == b"v3"


async def test_sqlite_reads_stay_in_place_when_loading_the_schema_outlasts_their_budget(
    db: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    if not isinstance(db, machi_db.KeptOpenSQLiteEngine):
        return  # PostgreSQL reads never run on the event loop's thread
    # Every read's budget is spent before it starts: only a read too small for SQLite to look
    # at the clock (fewer than _PROGRESS_STEPS steps) is answered, so loading the schema (every
    # CREATE statement, many more steps) must not count against it.
    monkeypatch.setattr(machi_db, "INLINE_READ_SECONDS", -1.0)
    small = "SELECT COUNT(*) AS n FROM identity_account"
    fresh = machi_db.KeptOpenSQLiteEngine(path=db.path)  # a new reader: its schema unloaded
    try:
        assert fresh._read_inline(small, []) == [{"n": 0}]
        assert fresh._read_inline(small, []) == [{"n": 0}]

        # Another connection changes the schema: the read that meets the change is given up,
        # once, and the next is answered in place again.
        async with aiosqlite.connect(db.path) as writer:
            await writer.execute("CREATE TABLE test_schema_change (x INTEGER)")
            await writer.commit()
        try:
            assert fresh._read_inline(small, []) is None
            assert fresh._read_inline(small, []) == [{"n": 0}]
        finally:
            async with aiosqlite.connect(db.path) as writer:
                await writer.execute("DROP TABLE test_schema_change")
                await writer.commit()
    finally:
        await fresh.close()


async def test_a_large_sqlite_read_leaves_the_event_loop_to_other_requests(db: Any) -> None:
    if not isinstance(db, machi_db.KeptOpenSQLiteEngine):
        return  # PostgreSQL reads never run on the event loop's thread
    # An export-sized read: 300,000 rows. Small reads stay on the loop's thread (the pages'
    # reads); this one outlasts the inline budget and finishes on the worker thread.
    big = (
        "SELECT x, printf('row %d', x) AS label FROM (WITH RECURSIVE c(x) AS "
        "(SELECT 1 UNION ALL SELECT x + 1 FROM c LIMIT 300000) SELECT x FROM c)"
    )
    turns = 0
    reading = True

    async def another_request(pause: float = 0.001) -> None:
        # Another request's turns, each a moment of work and a short wait. (One that never
        # waited would hold the GIL the worker thread needs between every two rows it reads.)
        nonlocal turns
        while reading:
            turns += 1
            await asyncio.sleep(pause)

    other = asyncio.create_task(another_request())
    await asyncio.sleep(0)
    turns = 0
    rows = await db.run_querystring(QueryString(big))
    reading = False
    await other
    assert len(rows) == 300_000
    assert rows[-1] == {"x": 300_000, "label": "row 300000"}
    assert turns > 0  # the loop served someone else while the rows were read

    # A small read is still answered in place: nobody else ran meanwhile, though the other
    # request was ready to run at every chance.
    reading = True
    other = asyncio.create_task(another_request(pause=0))
    await asyncio.sleep(0)
    turns = 0
    assert await db.run_querystring(QueryString("SELECT 1 AS one")) == [{"one": 1}]
    seen = turns
    reading = False
    await other
    assert seen == 0


async def _who_gets_the_freed_connection(pool: Any) -> list[str]:
    """A one-connection pool, held; one task waits for it; another, busy elsewhere, asks the
    moment the connection is idle again, as a request finishing its own work does under load.
    Who gets the connection, in order?"""
    order: list[str] = []
    held = await pool.acquire()

    async def ask(name: str) -> None:
        connection = await pool.acquire()
        order.append(name)
        await asyncio.sleep(0.01)
        await pool.release(connection)

    async def newcomer() -> None:
        # Polled on every turn of the loop, so it asks in the very turn the connection is freed.
        while pool.get_idle_size() == 0:  # noqa: ASYNC110
            await asyncio.sleep(0)
        await ask("newcomer")

    waiting = asyncio.create_task(ask("waited"))
    await asyncio.sleep(0.05)  # it is queued for the connection
    coming = asyncio.create_task(newcomer())
    await asyncio.sleep(0.01)
    await pool.release(held)
    await asyncio.gather(waiting, coming)
    return order


async def test_postgres_connections_go_to_whoever_asked_first() -> None:
    if not POSTGRES_URL:
        pytest.skip("PostgreSQL not configured: set MACHI_TEST_POSTGRES_URL to run this on it")
    raw = await asyncpg.create_pool(POSTGRES_URL, min_size=1, max_size=1)
    try:
        # asyncpg alone lets a newcomer take the connection a waiting task was woken for: under
        # load a few requests waited many turns (the wallet's p99 was four times its median).
        assert await _who_gets_the_freed_connection(raw) == ["newcomer", "waited"]
        fair = machi_db.FairPool(raw, 1)
        assert await _who_gets_the_freed_connection(fair) == ["waited", "newcomer"]
        async with fair.acquire() as connection:  # how Piccolo's queries take one
            assert await connection.fetchval("SELECT 1") == 1
    finally:
        await raw.close()
