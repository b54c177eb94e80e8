"""Flow `build-silver`: type, validate and upsert every new bronze batch into silver; rebuild the xref."""

from __future__ import annotations

from prefect import flow, get_run_logger, task
from prefect.artifacts import create_markdown_artifact, create_table_artifact
from prefect.cache_policies import NONE

from fauxforce.core import ledger
from fauxforce.core.catalogue import ObjectRef, Table
from fauxforce.core.policy import Policy
from fauxforce.core.progress import Progress
from fauxforce.core.settings import resolve
from fauxforce.core.warehouse import Warehouse
from fauxforce.silver.build import Keys, SilverResult, build_all, build_table, full_refresh, plan, refresh_xref


@task(name="build-table", cache_policy=NONE, task_run_name="build-table-{ref.system}-{ref.name}")
def build_table_task(
    wh: Warehouse, table: Table | None, ref: ObjectRef, keys: Keys, policy: Policy
) -> list[SilverResult]:
    return build_table(wh, table, keys, policy=policy, ref=ref)


FIX_HINT = (
    "Quarantined rows are in `quarantine.<table>`: the reason (file, line, column, value), every failed check "
    "and the whole record. Fix them in the source and export again: a changed file lands as a new batch, and "
    "its rows replace the quarantined ones in silver."
)


FLAG_HINT = (
    "Flagged records are in silver; each flag is a row of `meta.flags` (the record's key, column, check, "
    "value and where it came from). An `unresolved` flag goes by itself when the record it looks up lands."
)


def quality_report(results: list[SilverResult]) -> str:
    """A markdown data-quality report: quarantined rows by object and reason, and flags by object and check."""
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
    flagged: dict[str, dict[str, int]] = {}
    for r in results:
        for check, n in r.flags.items():
            flagged.setdefault(r.object, {}).setdefault(check, 0)
            flagged[r.object][check] += n
    if flagged:
        lines += ["", "| object | flags by check |", "|---|---|"]
        for obj, checks in flagged.items():
            lines.append(f"| {obj} | {', '.join(f'{k} ({v:,})' for k, v in sorted(checks.items()))} |")
        lines += ["", FLAG_HINT]
    return "\n".join(lines)


@flow(name="build-silver")
def build_silver(
    warehouse: str | None = None, refresh: bool = False, validation: str | None = None
) -> list[SilverResult]:
    """Apply new bronze batches of every object to silver (all of bronze again with `refresh`); the warehouse
    defaults to FAUXFORCE_WAREHOUSE_URL, the validation rules to FAUXFORCE_VALIDATION."""
    run = resolve(warehouse=warehouse, validation=validation)
    policy = Policy.parse(run.validation)
    wh = Warehouse(run.warehouse)
    try:
        ledger.prepare(wh)
        if refresh:
            full_refresh(wh)
        progress = Progress("silver", len(plan(wh)))

        def each(table: Table | None, ref: ObjectRef, keys: Keys) -> list[SilverResult]:
            out = build_table_task(wh, table, ref, keys, policy)
            progress.advance(1, str(ref))
            return out

        results, resolved = build_all(wh, policy, each)
        progress.finish()
        xref = refresh_xref(wh, results)
    finally:
        wh.dispose()
    kept_in_bronze = [r.object for r in results if r.bronze_only]
    applied = [r for r in results if not r.bronze_only]
    if kept_in_bronze:
        get_run_logger().warning("silver: no key known for %s; they stay in bronze", ", ".join(kept_in_bronze))
    per_object: dict[str, dict[str, int]] = {}
    for r in applied:
        row = per_object.setdefault(
            r.object, {"batches": 0, "rows_in": 0, "loaded": 0, "flagged": 0, "quarantined": 0, "duplicates": 0}
        )
        row["batches"] += 1
        for k in ("rows_in", "loaded", "flagged", "quarantined", "duplicates"):
            row[k] += getattr(r, k)
    create_table_artifact(
        key="silver-counts",
        table=[{"object": k, **v} for k, v in per_object.items()],
        description="Silver: rows in, loaded (of them flagged), quarantined and duplicate per object",
    )
    create_markdown_artifact(key="silver-data-quality", markdown=quality_report(applied))
    get_run_logger().info(
        "silver: %s batches, %s rows loaded (%s flagged), %s quarantined; %s unresolved flags resolved; "
        "customer_xref %s",
        len(applied),
        sum(r.loaded for r in applied),
        sum(r.flagged for r in applied),
        sum(r.quarantined for r in applied),
        resolved,
        "unchanged" if xref is None else f"rebuilt, {xref} rows",
    )
    return results
