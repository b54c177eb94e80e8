"""Flow `build-silver`: type, validate and upsert every new bronze batch into silver; rebuild the xref."""

from __future__ import annotations

from prefect import flow, get_run_logger, task
from prefect.artifacts import create_markdown_artifact, create_table_artifact
from prefect.cache_policies import NONE

from fauxforce.core import ledger
from fauxforce.core.catalogue import TABLES, Table
from fauxforce.core.settings import resolve
from fauxforce.core.warehouse import Warehouse
from fauxforce.silver.build import Keys, SilverResult, build_table, full_refresh, refresh_xref


@task(name="build-table", cache_policy=NONE)
def build_table_task(wh: Warehouse, table: Table, keys: Keys) -> list[SilverResult]:
    return build_table(wh, table, keys)


FIX_HINT = (
    "Quarantined rows are in `quarantine.<table>`: the reason (file, line, column, value), every failed check "
    "and the whole record. Fix them in the source and export again: a changed file lands as a new batch, and "
    "its rows replace the quarantined ones in silver."
)


def quality_report(results: list[SilverResult]) -> str:
    """A markdown data-quality report: quarantined rows by object and reason."""
    lines = ["# Silver data quality", ""]
    quarantined = [r for r in results if r.quarantined]
    if not results:
        return "\n".join([*lines, "No new bronze batches."])
    total_in = sum(r.rows_in for r in results)
    total_q = sum(r.quarantined for r in results)
    lines.append(
        f"{len(results)} batches, {total_in:,} rows in, {total_q:,} quarantined, "
        f"{sum(r.duplicates for r in results):,} duplicates."
    )
    if quarantined:
        lines += ["", "| object | batch | quarantined | reasons | first |", "|---|---:|---:|---|---|"]
        for r in quarantined:
            reasons = ", ".join(f"{k} ({v})" for k, v in sorted(r.reasons.items()))
            first = (r.examples[0] if r.examples else "").replace("|", "\\|")
            lines.append(f"| {r.object} | {r.batch_id} | {r.quarantined:,} | {reasons} | {first} |")
        lines += ["", FIX_HINT]
    return "\n".join(lines)


@flow(name="build-silver")
def build_silver(warehouse: str | None = None, refresh: bool = False) -> list[SilverResult]:
    """Apply new bronze batches to silver (all of bronze again with `refresh`); the warehouse defaults to
    FAUXFORCE_WAREHOUSE_URL."""
    wh = Warehouse(resolve(warehouse=warehouse).warehouse)
    results: list[SilverResult] = []
    try:
        ledger.prepare(wh)
        if refresh:
            full_refresh(wh)
        keys = Keys(wh)
        for table in TABLES:
            results += build_table_task(wh, table, keys)
        xref = refresh_xref(wh, results)
    finally:
        wh.dispose()
    per_object: dict[str, dict[str, int]] = {}
    for r in results:
        row = per_object.setdefault(
            r.object, {"batches": 0, "rows_in": 0, "loaded": 0, "quarantined": 0, "duplicates": 0}
        )
        row["batches"] += 1
        for k in ("rows_in", "loaded", "quarantined", "duplicates"):
            row[k] += getattr(r, k)
    create_table_artifact(
        key="silver-counts",
        table=[{"object": k, **v} for k, v in per_object.items()],
        description="Silver: rows in, loaded, quarantined and duplicate per object",
    )
    create_markdown_artifact(key="silver-data-quality", markdown=quality_report(results))
    get_run_logger().info(
        "silver: %s batches, %s rows loaded, %s quarantined; customer_xref %s",
        len(results),
        sum(r.loaded for r in results),
        sum(r.quarantined for r in results),
        "unchanged" if xref is None else f"rebuilt, {xref} rows",
    )
    return results
