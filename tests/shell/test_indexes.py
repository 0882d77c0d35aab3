"""The columns a resident's own records are found by lead an index, in the shell and in the
mini-apps: a page that lists a resident's bookings, rides, child's records or linked water
accounts reads those rows, not every resident's. (The home page's and a push batch's reads are
checked by their plans: tests/shell/web/test_home_reads.py, test_delivery_reads.py.)"""

from __future__ import annotations

from typing import Any

from piccolo.querystring import QueryString

from shell import db as machi_db

LOOKED_UP_BY = {
    # shell
    ("identity_passkey", "account"),
    ("identity_recovery_code", "account"),
    ("staff_role", "account"),
    ("miniapp_host_grant", "account"),
    ("notifications_push_subscription", "account"),
    ("notifications_inbox_item", "account"),
    ("wallet_account", "owner"),
    ("wallet_entry", "account"),
    ("wallet_merchant_member", "account"),
    ("resident_id_verification", "account"),
    ("resident_id_credential", "account"),
    ("resident_id_counter_request", "account"),
    ("audit_entry", "subject"),
    # mini-apps
    ("bus_request", "rider"),
    ("handbook_guardian", "child"),
    ("handbook_record", "child"),
    ("handbook_dose", "child"),
    ("water_link", "account"),
    ("water_link", "subject"),
}


async def _leading_columns(engine: Any) -> set[tuple[str, str]]:
    """(table, column) for the first column of every index."""
    if isinstance(engine, machi_db.KeptOpenSQLiteEngine):
        found = set()
        for table in {table for table, _ in LOOKED_UP_BY}:
            indexes = await engine.run_querystring(QueryString(f'PRAGMA index_list("{table}")'))
            for index in indexes:
                info = await engine.run_querystring(
                    QueryString(f'PRAGMA index_info("{index["name"]}")')
                )
                first = min(info, key=lambda column: column["seqno"])
                found.add((table, first["name"]))
        return found
    rows = await engine.run_querystring(
        QueryString(
            "SELECT t.relname AS tbl, a.attname AS col FROM pg_index i "
            "JOIN pg_class t ON t.oid = i.indrelid "
            "JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = i.indkey[0]"
        )
    )
    return {(row["tbl"], row["col"]) for row in rows}


async def test_a_residents_records_are_found_through_an_index(db: Any) -> None:
    assert LOOKED_UP_BY - await _leading_columns(db) == set()
