"""Flow `medallion-pipeline`: bronze, then silver, then gold, one run at a time per warehouse."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from prefect import flow, get_run_logger

from fauxforce.core.runlock import RunLock
from fauxforce.core.settings import resolve
from fauxforce.flows.build_gold import build_gold
from fauxforce.flows.build_silver import build_silver
from fauxforce.flows.load_bronze import load_bronze
from fauxforce.silver.build import SilverResult


@dataclass
class PipelineSummary:
    bronze_rows: dict[str, int]
    silver_loaded: int
    silver_quarantined: int
    silver_duplicates: int
    batches: int
    silver_flagged: int = 0
    flags: dict[str, int] = field(default_factory=dict)  # flags by check, this run
    bronze_only: list[str] = field(default_factory=list)  # objects bronze holds that silver has no shape for
    quarantine_examples: dict[str, list[str]] = field(default_factory=dict)  # object → first reasons
    gold_tables: dict[str, int] = field(default_factory=dict)
    gold_checks: int = 0
    headline: dict[str, Any] = field(default_factory=dict)
    gold_unresolved: dict[str, int] = field(default_factory=dict)  # loose links, from gold.reconciliation


def quarantine_examples(results: list[SilverResult], per_object: int = 3) -> dict[str, list[str]]:
    """The first few quarantine reasons of each object, for a report a person reads."""
    out: dict[str, list[str]] = {}
    for r in results:
        if r.examples:
            have = out.setdefault(r.object, [])
            have += r.examples[: per_object - len(have)]
    return out


@flow(name="medallion-pipeline")
def medallion_pipeline(
    landing: str | None = None,
    warehouse: str | None = None,
    source: str | None = None,
    full_refresh: bool = False,
    as_of: dt.date | None = None,
    encoding: str | None = None,
    delimiter: str | None = None,
    erp_source: str | None = None,
    validation: str | None = None,
) -> PipelineSummary:
    """Land new source batches in bronze, apply them to silver, rebuild and check gold.

    Unset arguments come from the settings (FAUXFORCE_LANDING_DIR, FAUXFORCE_WAREHOUSE_URL,
    FAUXFORCE_CRM_SOURCE, FAUXFORCE_ERP_SOURCE, …), resolved once here; the subflows get the resolved
    values. Runs on one warehouse never overlap: each holds the warehouse's run lock (a PostgreSQL
    advisory lock, or a file lock beside a DuckDB file) for its whole length, and a run that starts while
    another holds it waits, saying for whom. The lock dies with the process that holds it.
    """
    run = resolve(
        landing=landing,
        warehouse=warehouse,
        source=source,
        erp_source=erp_source,
        encoding=encoding,
        delimiter=delimiter,
        validation=validation,
    )
    warehouse_ref = run.warehouse_masked  # subflows get the URL without its password, and resolve it again
    with RunLock(run.warehouse, on_wait=get_run_logger().warning) as lock:
        bronze = load_bronze(
            landing=str(run.landing),
            warehouse=warehouse_ref,
            source=run.source,
            encoding=run.encoding,
            delimiter=run.delimiter,
            erp_source=run.erp_source,
        )
        lock.ensure_held()
        silver = build_silver(warehouse=warehouse_ref, refresh=full_refresh, validation=run.validation)
        lock.ensure_held()
        gold = build_gold(warehouse=warehouse_ref, as_of=as_of, fiscal_year_start_month=run.fiscal_year_start_month)
    return PipelineSummary(
        bronze_rows=bronze,
        silver_loaded=sum(r.loaded for r in silver),
        silver_quarantined=sum(r.quarantined for r in silver),
        silver_duplicates=sum(r.duplicates for r in silver),
        batches=sum(not r.bronze_only for r in silver),
        silver_flagged=sum(r.flagged for r in silver),
        flags=dict(sum((Counter(r.flags) for r in silver), Counter())),
        bronze_only=[r.object for r in silver if r.bronze_only],
        quarantine_examples=quarantine_examples(silver),
        gold_tables=gold.tables,
        gold_checks=gold.checks,
        headline=gold.headline,
        gold_unresolved=gold.unresolved,
    )


if __name__ == "__main__":
    print(medallion_pipeline())
