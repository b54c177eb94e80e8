"""`meta.runs`: each pipeline run with how it ended; a run found still `running` was killed."""

from __future__ import annotations

import datetime as dt

from fauxforce.core import ledger
from fauxforce.core.warehouse import Warehouse

T0 = dt.datetime(2026, 7, 1, 6, 0, tzinfo=dt.UTC)


def test_runs_are_recorded_and_a_killed_one_is_marked_interrupted(warehouse_url: str) -> None:
    wh = Warehouse(warehouse_url)
    ledger.prepare(wh)
    ledger.start_run(wh, "a", "csv", "csv", T0)  # then killed: never finished
    ledger.start_run(wh, "b", "salesforce", "erp-sql", T0 + dt.timedelta(hours=1))
    ledger.finish_run(wh, "b", "failed", T0 + dt.timedelta(hours=1, seconds=5), message="x" * 3000)
    ledger.start_run(wh, "c", "csv", "csv", T0 + dt.timedelta(hours=2))
    counts = ledger.RunCounts(
        bronze_rows=10, silver_loaded=9, silver_quarantined=1, gold_as_of=T0.date(), gold_checks=3
    )
    ledger.finish_run(wh, "c", "completed", T0 + dt.timedelta(hours=2, seconds=7), counts)
    with wh.engine.connect() as conn:
        runs = {r["run_id"]: r for r in ledger.runs(conn)}
        assert [r["run_id"] for r in ledger.runs(conn, limit=2)] == ["c", "b"]
    wh.dispose()
    assert runs["a"]["status"] == "interrupted" and runs["a"]["finished_at"] is None
    assert runs["b"]["status"] == "failed" and len(runs["b"]["message"]) == 2000 and runs["b"]["bronze_rows"] is None
    assert runs["b"]["source"] == "salesforce" and runs["b"]["erp_source"] == "erp-sql"
    c = runs["c"]
    assert (c["status"], c["bronze_rows"], c["silver_loaded"], c["silver_quarantined"], c["gold_checks"]) == (
        "completed",
        10,
        9,
        1,
        3,
    )
    assert c["gold_as_of"] == T0.date() and (c["finished_at"] - c["started_at"]).total_seconds() == 7
