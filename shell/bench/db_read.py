"""Reading 20 rows through Piccolo: the kept-open SQLite engine against Piccolo's stock engine."""

from __future__ import annotations

import asyncio
import tempfile
import time
from pathlib import Path
from typing import Any

import click
from piccolo.columns import Integer, Varchar
from piccolo.engine.sqlite import SQLiteEngine
from piccolo.table import Table, create_db_tables

from shell.bench.stats import emit, figures
from shell.db import KeptOpenSQLiteEngine


def _table(engine: Any, name: str) -> type[Table]:
    return type(
        name,
        (Table,),
        {"name": Varchar(length=50), "value": Integer()},
        db=engine,
        tablename="bench_row",
    )


async def _measure(table: type[Table], requests: int) -> tuple[list[float], float]:
    latencies = []
    start = time.perf_counter()
    for index in range(requests):
        began = time.perf_counter()
        await table.select().where(table.value >= index % 500).limit(20)  # type: ignore[attr-defined]
        latencies.append(time.perf_counter() - began)
    return latencies, time.perf_counter() - start


async def _run(requests: int) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = str(Path(folder) / "bench.sqlite3")
        kept = KeptOpenSQLiteEngine(path=path)
        kept.create_db_file()
        stock = SQLiteEngine(path=path)
        fast, base = _table(kept, "KeptRow"), _table(stock, "StockRow")
        await create_db_tables(fast, if_not_exists=True)
        await fast.insert(*[fast(name=f"row {i}", value=i) for i in range(1000)])  # type: ignore[call-arg]
        base_lat, base_time = await _measure(base, requests)
        emit(
            {
                "name": "db-read",
                "engine": "piccolo-sqlite (connection per query)",
                **figures(base_lat, base_time),
            }
        )
        fast_lat, fast_time = await _measure(fast, requests)
        emit(
            {"name": "db-read", "engine": "machi kept-open sqlite", **figures(fast_lat, fast_time)}
        )
        await kept.close()
    baseline = figures(base_lat, base_time)
    result = figures(fast_lat, fast_time)
    emit(
        {
            "name": "db-read",
            "summary": True,
            **result,
            "baseline_per_second": baseline["per_second"],
            "ratio": round(result["per_second"] / baseline["per_second"], 2),
            "requests": requests,
        }
    )


@click.command("db-read")
@click.option("--requests", default=2000, show_default=True, help="Queries per engine.")
def db_read(requests: int) -> None:
    """20-row reads on SQLite: kept-open connection vs Piccolo's connection per query."""
    asyncio.run(_run(requests))
