"""``machi bench id`` prints its figures, the last line a summary with no failures."""

import json

from click.testing import CliRunner

from shell.cli import main


def test_bench_id_summary_has_the_named_figures():
    result = CliRunner().invoke(main, ["bench", "id", "--proofs", "60"])
    assert result.exit_code == 0, result.output
    lines = [json.loads(line) for line in result.output.strip().splitlines()]
    summary = lines[-1]
    assert summary["summary"] is True
    assert summary["failures"] == 0
    assert summary["proofs"] == 60
    for name in ("per_second", "baseline_per_second", "ratio", "p50_ms", "p95_ms", "p99_ms"):
        assert summary[name] > 0, name
