"""The signed-in home page finds each of its rows through an index: what it costs does not grow
with the number of residents, their devices, wallets or verified IDs."""

from __future__ import annotations

from typing import Any

from tests.helpers.plans import plans, reads_of_a_visit, scanned_tables, sqlite_engine


async def test_the_home_page_reads_by_index_only(app: Any, db: Any, districts: Any) -> None:
    engine = sqlite_engine(db)
    page, reads = await reads_of_a_visit(app, engine, "/")
    assert page.status_code == 200
    assert "nav-inbox" in page.text, page.text[:3000]  # signed in
    # the session; the account with its roles, the unread count, whether disaster mode is on
    # and whether the ID tile's verification stands; the latest notices and the wallet card
    assert len(reads) == 4, reads
    assert scanned_tables(engine, reads) == {}
    # the staff roles, the menu's unread count, disaster mode and the ID tile come with the
    # account, in the same read
    (account,) = [sql for sql, _ in reads if 'FROM "identity_account"' in sql]
    tables = (
        "staff_role",
        "notifications_inbox_item",
        "disaster_mode_change",
        "resident_id_verification",
    )
    for table in tables:
        assert table in account, (table, account)
    assert not [sql for sql, _ in reads if "disaster_mode_change" in sql and sql != account]
    # not merely some index: the wallet card's by the owner, not the one of every cash account
    assert "wallet_account_owner" in plans(engine, reads)
