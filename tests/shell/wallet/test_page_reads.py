"""The wallet page's reads: each through an index. (That their SQL is built once, not on every
visit, is checked with the other pages': tests/shell/web/test_built_once.py.)"""

from __future__ import annotations

from typing import Any

from tests.conftest import make_client
from tests.helpers.authenticator import SoftAuthenticator
from tests.helpers.flows import signup
from tests.helpers.plans import scanned_tables, sqlite_engine, traced_reads


async def test_the_wallet_page_reads_by_index_only(app: Any, db: Any, districts: Any) -> None:
    engine = sqlite_engine(db)
    async with make_client(app) as client:
        await signup(client, SoftAuthenticator())
        with traced_reads(engine) as reads:
            page = await client.get("/wallet")
        assert page.status_code == 200
    tables = " ".join(sql for sql, _ in reads)
    for table in ("wallet_account", "wallet_entry", "wallet_merchant_member"):
        assert table in tables, (table, reads)
    assert scanned_tables(engine, reads) == {}
