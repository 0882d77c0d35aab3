"""The wallet page's reads: each through an index, and their SQL built once, not on every visit
(Piccolo building the history's joins took most of the page's time)."""

from __future__ import annotations

from typing import Any

from piccolo.query.methods.select import Select

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


async def test_a_wallet_visit_builds_no_select(
    app: Any, db: Any, districts: Any, monkeypatch: Any
) -> None:
    built: list[Any] = []
    default = Select.default_querystrings

    def counted(self: Select) -> Any:
        built.append(self)
        return default.fget(self)  # type: ignore[attr-defined]

    async with make_client(app) as client:
        await signup(client, SoftAuthenticator())
        assert (await client.get("/wallet")).status_code == 200  # the first visit builds them
        monkeypatch.setattr(Select, "default_querystrings", property(counted))
        page = await client.get("/wallet")
    assert page.status_code == 200
    assert "wallet" in page.text
    assert built == []
