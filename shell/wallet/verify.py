"""``machi wallet verify``: recompute everything from the entries and name what is wrong."""

from __future__ import annotations

from typing import Any

from shell.wallet.ledger import EXTERNAL, engine

_EXTERNAL_SQL = ", ".join(f"'{kind}'" for kind in sorted(EXTERNAL))


async def _rows(sql: str) -> list[dict[str, Any]]:
    return await engine().run_ddl(sql)  # type: ignore[no-any-return]


async def problems() -> list[str]:
    """Every broken invariant, one line each; an empty list means the ledger is sound."""
    found: list[str] = []
    total = (await _rows("SELECT COALESCE(SUM(amount), 0) AS total FROM wallet_entry"))[0]["total"]
    if int(total) != 0:
        found.append(f"the ledger sums to {total} yen, not 0")
    for row in await _rows(
        "SELECT ledger_transaction AS txn, SUM(amount) AS total, COUNT(*) AS n FROM wallet_entry "
        "GROUP BY ledger_transaction HAVING SUM(amount) <> 0 OR COUNT(*) < 2"
    ):
        found.append(f"transaction {row['txn']}: {row['n']} entries summing to {row['total']} yen")
    for row in await _rows(
        "SELECT t.id, t.amount, (SELECT COALESCE(SUM(e.amount), 0) FROM wallet_entry e "
        "WHERE e.ledger_transaction = t.id AND e.amount > 0) AS credited FROM wallet_transaction t"
    ):
        if int(row["credited"]) != int(row["amount"]):
            found.append(
                f"transaction {row['id']}: says {row['amount']} yen, its entries credit "
                f"{row['credited']}"
            )
    for row in await _rows(
        "SELECT a.id, a.key, a.kind, a.balance, COALESCE(SUM(e.amount), 0) AS derived "
        "FROM wallet_account a LEFT JOIN wallet_entry e ON e.account = a.id "
        "GROUP BY a.id, a.key, a.kind, a.balance"
    ):
        derived = int(row["derived"])
        if int(row["balance"]) != derived:
            found.append(
                f"account {row['key']}: cached balance {row['balance']} yen, entries say {derived}"
            )
        if row["kind"] not in EXTERNAL and derived < 0:
            found.append(f"account {row['key']}: negative balance {derived} yen")
        if row["kind"] in EXTERNAL and derived > 0:
            found.append(f"account {row['key']}: the outside world's side is positive ({derived})")
    for row in await _rows(
        "SELECT idempotency_key AS k, COUNT(*) AS n FROM wallet_transaction "
        "GROUP BY idempotency_key HAVING COUNT(*) > 1"
    ):
        found.append(f"idempotency key {row['k']} applied {row['n']} times")
    for row in await _rows(
        "SELECT p.id, p.amount, COALESCE(SUM(r.amount), 0) AS refunded FROM wallet_transaction p "
        "JOIN wallet_transaction r ON r.related = p.id AND r.kind = 'refund' "
        "GROUP BY p.id, p.amount HAVING COALESCE(SUM(r.amount), 0) > p.amount"
    ):
        found.append(f"payment {row['id']}: refunded {row['refunded']} yen of {row['amount']}")
    for row in await _rows(
        "SELECT u.id, u.status, u.amount, u.ledger_transaction AS txn, t.amount AS credited, "
        "t.kind FROM wallet_topup u LEFT JOIN wallet_transaction t ON t.id = u.ledger_transaction "
        "WHERE u.status = 'succeeded' OR u.ledger_transaction IS NOT NULL"
    ):
        if row["status"] != "succeeded" or row["txn"] is None:
            found.append(f"top-up {row['id']}: status {row['status']} but transaction {row['txn']}")
        elif row["kind"] != "topup" or int(row["credited"]) != int(row["amount"]):
            found.append(f"top-up {row['id']}: {row['amount']} yen, credited {row['credited']}")
    for row in await _rows(
        "SELECT ledger_transaction AS txn, COUNT(*) AS n FROM wallet_topup "
        "WHERE ledger_transaction IS NOT NULL GROUP BY ledger_transaction HAVING COUNT(*) > 1"
    ):
        found.append(f"transaction {row['txn']} credits {row['n']} top-ups")
    for row in await _rows(
        "SELECT t.id FROM wallet_transaction t WHERE t.kind = 'topup' AND NOT EXISTS "
        "(SELECT 1 FROM wallet_topup u WHERE u.ledger_transaction = t.id)"
    ):
        found.append(f"top-up transaction {row['id']} has no gateway top-up behind it")
    for row in await _rows(
        "SELECT t.id, t.amount, p.amount AS recorded FROM wallet_transaction t "
        "LEFT JOIN wallet_payout p ON p.ledger_transaction = t.id WHERE t.kind = 'payout'"
    ):
        if row["recorded"] is None or int(row["recorded"]) != int(row["amount"]):
            found.append(
                f"payout transaction {row['id']}: {row['amount']} yen, payout says "
                f"{row['recorded']}"
            )
    for row in await _rows(
        "SELECT t.id, t.kind, t.amount, p.id AS payout, p.status, p.amount AS recorded "
        "FROM wallet_transaction t LEFT JOIN wallet_payout p ON p.settlement = t.id "
        "WHERE t.kind IN ('payout_paid', 'payout_returned')"
    ):
        if (
            row["payout"] is None
            or f"payout_{row['status']}" != row["kind"]
            or int(row["recorded"]) != int(row["amount"])
        ):
            found.append(
                f"{row['kind']} transaction {row['id']}: {row['amount']} yen, payout "
                f"{row['payout']} is {row['status']} with {row['recorded']}"
            )
    for row in await _rows(
        "SELECT id, status FROM wallet_payout WHERE (status = 'in_transit') <> (settlement IS NULL)"
    ):
        found.append(f"payout {row['id']} is {row['status']} but its settlement does not say so")
    for row in await _rows(
        "SELECT id FROM wallet_one_time_code "
        "WHERE used_at IS NULL AND ledger_transaction IS NOT NULL"
    ):
        found.append(f"one-time code {row['id']} paid but not marked used")
    return found


async def summary() -> dict[str, int]:
    rows = await _rows(
        "SELECT (SELECT COUNT(*) FROM wallet_transaction) AS transactions, "
        "(SELECT COUNT(*) FROM wallet_entry) AS entries, "
        "(SELECT COUNT(*) FROM wallet_account) AS accounts"
    )
    return {k: int(v) for k, v in rows[0].items()}
