"""Shared figures for benchmarks: throughput and latency percentiles."""

from __future__ import annotations

import json
import statistics
from typing import Any


def figures(latencies_s: list[float], elapsed_s: float) -> dict[str, float]:
    ordered = sorted(latencies_s)
    q = statistics.quantiles(ordered, n=100, method="inclusive")
    return {
        "per_second": round(len(ordered) / elapsed_s, 1),
        "p50_ms": round(q[49] * 1000, 3),
        "p95_ms": round(q[94] * 1000, 3),
        "p99_ms": round(q[98] * 1000, 3),
    }


def emit(record: dict[str, Any]) -> None:
    print(json.dumps(record, ensure_ascii=False), flush=True)
