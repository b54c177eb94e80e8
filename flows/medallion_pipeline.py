"""Flow `medallion-pipeline`: bronze, then silver, then gold, one run at a time per warehouse."""

from __future__ import annotations

import contextlib
import datetime as dt
import uuid
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from prefect import flow, get_run_logger
from prefect.artifacts import create_markdown_artifact
from prefect.runtime import flow_run
from prefect.states import Cancelled, State
from prefect.variables import Variable
from sqlalchemy.exc import SQLAlchemyError

from fauxforce.core import ledger, maintenance
from fauxforce.core.runlock import RunLock
from fauxforce.core.settings import resolve
from fauxforce.core.warehouse import Warehouse, WarehouseError
from fauxforce.flows.build_gold import build_gold, headline_report
from fauxforce.flows.build_silver import FIX_HINT, build_silver
from fauxforce.flows.load_bronze import load_bronze
from fauxforce.report import ReportResult, write_report
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
    gold_writes: str = ""  # what the gold build wrote: how many tables it rebuilt and left unchanged
    headline: dict[str, Any] = field(default_factory=dict)
    gold_unresolved: dict[str, int] = field(default_factory=dict)  # loose links, from gold.reconciliation
    report: str | None = None  # the HTML report this run wrote
    reader_copy: str | None = None  # the DuckDB copy for readers this run refreshed
    report_error: str | None = None  # why it could not (the data itself is committed all the same)


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
    report: str | None = None,
) -> PipelineSummary | State:
    """Land new source batches in bronze, apply them to silver, rebuild and check gold, write the report.

    Unset arguments come from the settings (FAUXFORCE_LANDING_DIR, FAUXFORCE_WAREHOUSE_URL,
    FAUXFORCE_CRM_SOURCE, FAUXFORCE_ERP_SOURCE, FAUXFORCE_REPORT, …), resolved once here; the subflows get
    the resolved values. Runs on one warehouse never overlap: each holds the warehouse's run lock (a
    PostgreSQL advisory lock, or a file lock beside a DuckDB file) for its whole length, and a run that
    starts while another holds it waits, saying for whom. The lock dies with the process that holds it.
    Each run is recorded in `meta.runs` with how it ended. A run that starts inside a maintenance window of
    a system it uses (FAUXFORCE_MAINTENANCE, or the Prefect variable `fauxforce_maintenance`) ends Cancelled
    with the window named, touching nothing.
    """
    run = resolve(
        landing=landing,
        warehouse=warehouse,
        source=source,
        erp_source=erp_source,
        encoding=encoding,
        delimiter=delimiter,
        validation=validation,
        report=report,
    )
    warehouse_ref = run.warehouse_masked  # subflows get the URL without its password, and resolve it again
    run_id = str(flow_run.get_id() or uuid.uuid4())
    logger = get_run_logger()
    declared = _declared_windows(run.maintenance, logger)
    windows = maintenance.parse(declared)
    in_window = maintenance.active(windows, maintenance.systems_of(run.source, run.erp_source), dt.datetime.now(dt.UTC))
    if in_window:  # before the warehouse or a source is touched: they may be down on purpose
        window, ends = in_window
        message = maintenance.not_run(window, ends)
        logger.info(message)
        return Cancelled(message=message)
    with RunLock(run.warehouse, on_wait=logger.warning) as lock:
        wh = Warehouse(run.warehouse)
        try:
            ledger.prepare(wh)
            ledger.start_run(wh, run_id, run.source, run.erp_source, dt.datetime.now(dt.UTC))
            try:
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
                gold = build_gold(
                    warehouse=warehouse_ref,
                    as_of=as_of,
                    fiscal_year_start_month=run.fiscal_year_start_month,
                    full=full_refresh,
                )
            except BaseException as e:
                status = "cancelled" if isinstance(e, KeyboardInterrupt) else "failed"
                # a warehouse that failed may not take this either: the run's own error is the one to raise
                with contextlib.suppress(SQLAlchemyError, WarehouseError, OSError):
                    ledger.finish_run(wh, run_id, status, dt.datetime.now(dt.UTC), message=_one_line(e))
                raise
            summary = PipelineSummary(
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
                gold_writes=gold.writes(),
                headline=gold.headline,
                gold_unresolved=gold.unresolved,
            )
            counts = ledger.RunCounts(
                bronze_rows=sum(bronze.values()),
                silver_loaded=summary.silver_loaded,
                silver_flagged=summary.silver_flagged,
                silver_quarantined=summary.silver_quarantined,
                silver_duplicates=summary.silver_duplicates,
                gold_as_of=gold.as_of,
                gold_checks=gold.checks,
            )
            ledger.finish_run(wh, run_id, "completed", dt.datetime.now(dt.UTC), counts)
            if run.reader_copy is not None:  # still under the run lock: nothing writes while it is copied
                size = wh.copy_for_readers(run.reader_copy)
                summary.reader_copy = str(run.reader_copy)
                logger.info("reader copy: %s (%.1f MB)", run.reader_copy, size / 1e6)
            if run.report is not None:
                written = _write_report(wh, run.report, logger, declared)
                if isinstance(written, ReportResult):
                    summary.report = str(written.path)
                else:
                    summary.report_error = written
        finally:
            wh.dispose()
    create_markdown_artifact(
        key="pipeline-summary", markdown=summary_markdown(summary, gold_markdown=headline_report(gold, []))
    )
    return summary


def _declared_windows(setting: str | None, logger: Any) -> str:
    """FAUXFORCE_MAINTENANCE and the Prefect variable `fauxforce_maintenance`, joined."""
    try:
        variable = Variable.get(maintenance.VARIABLE, default=None)
    except Exception as e:  # the API may be unreachable; the setting still applies
        logger.warning("cannot read the Prefect variable %s: %s", maintenance.VARIABLE, e)
        variable = None
    return ";".join(str(part) for part in (setting, variable) if part)


def _one_line(e: BaseException) -> str:
    text = str(e).strip().splitlines()
    return f"{type(e).__name__}: {text[0]}" if text else type(e).__name__


def _write_report(wh: Warehouse, path: Path, logger: Any, windows: str) -> ReportResult | str:
    """Write the run's report; a report that cannot be written is a warning, not a failed run."""
    try:
        result = write_report(wh, path, maintenance=windows)
    except OSError as e:
        reason = f"cannot write the report {path}: {e.strerror or e}"
        logger.warning(reason)
        return reason
    logger.info("report: %s (%s charts, %.1f MB)", result.path, result.charts, result.bytes / 1e6)
    return result


def summary_markdown(s: PipelineSummary, gold_markdown: str) -> str:
    """The run on one page, for the parent run's artifact: counts per layer, flags, the report, the headline."""
    lines = [
        "# Pipeline run",
        "",
        "| layer | figure |",
        "|---|---|",
        f"| bronze | {sum(s.bronze_rows.values()):,} rows landed from {len(s.bronze_rows)} objects |",
        f"| silver | {s.batches} batches: {s.silver_loaded:,} rows loaded ({s.silver_flagged:,} flagged), "
        f"{s.silver_quarantined:,} quarantined, {s.silver_duplicates:,} duplicates |",
        f"| gold | {len(s.gold_tables)} tables ({s.gold_writes}), {s.gold_checks} checks passed |",
    ]
    if s.flags:
        lines += ["", "Flags by check: " + ", ".join(f"{k} {v:,}" for k, v in sorted(s.flags.items()))]
    if s.bronze_only:
        lines += ["", "Kept in bronze only (no shape for silver): " + ", ".join(s.bronze_only)]
    if s.quarantine_examples:
        lines += ["", "## Quarantined, e.g.", ""]
        for obj, examples in s.quarantine_examples.items():
            lines += [f"- `{obj}`: {example}" for example in examples]
        lines += ["", FIX_HINT]
    if s.report:
        lines += ["", f"Report: [{s.report}](file://{_absolute(s.report)})"]
    elif s.report_error:
        lines += ["", f"Report not written: {s.report_error}"]
    return "\n".join([*lines, "", gold_markdown])


def _absolute(path: str) -> str:
    return str(Path(path).resolve())


if __name__ == "__main__":
    print(medallion_pipeline())
