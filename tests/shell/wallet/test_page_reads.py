"""The wallet page's reads: each through an index. (That their SQL is built once, not on every
visit, is checked with the other pages': tests/shell/web/test_built_once.py.)"""

from __future__ import annotations

from typing import Any

from tests.helpers.plans import reads_of_a_visit, scanned_tables, sqlite_engine


async def test_the_wallet_page_reads_by_index_only(app: Any, db: Any, districts: Any) -> None:
    engine = sqlite_engine(db)
    page, reads = await reads_of_a_visit(app, engine, "/wallet")
    assert page.status_code == 200
    assert "nav-account" in page.text  # signed in
    tables = " ".join(sql for sql, _ in reads)
    for table in ("wallet_account", "wallet_entry", "wallet_merchant_member"):
        assert table in tables, (table, reads)
    assert scanned_tables(engine, reads) == {}
