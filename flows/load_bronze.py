"""Flow `load-bronze`: land every new batch of every object of a source in bronze."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from prefect import flow, get_run_logger, task
from prefect.artifacts import create_table_artifact
from prefect.cache_policies import NONE

from fauxforce.bronze.land import Landed, land_object
from fauxforce.connectors import Connector, ObjectRef, get_connector
from fauxforce.core import ledger
from fauxforce.core.progress import Progress
from fauxforce.core.settings import resolve
from fauxforce.core.warehouse import Warehouse


@task(name="land-object", retries=2, retry_delay_seconds=5, cache_policy=NONE)
def land_object_task(wh: Warehouse, connector: Connector, ref: ObjectRef) -> list[Landed]:
    return land_object(wh, connector, ref, connector.name)


def plan(source: str, erp_source: str, landing: str, csv_options: dict[str, Any]) -> list[tuple[Connector, str | None]]:
    """The connectors to read and the system each serves: the CRM source brings the Salesforce objects,
    the ERP source the ERP tables; the landing folder serves whichever of the two is `csv`."""
    if source == "csv" and erp_source == "csv":
        return [(get_connector("csv", landing=landing, **csv_options), None)]
    out: list[tuple[Connector, str | None]] = []
    for system, name in (("salesforce", source), ("erp", erp_source)):
        if name != "csv":
            out.append((get_connector(name), system))
        elif Path(landing).is_dir():
            out.append((get_connector("csv", landing=landing, **csv_options), system))
    return out


@flow(name="load-bronze")
def load_bronze(
    landing: str | None = None,
    warehouse: str | None = None,
    source: str | None = None,
    encoding: str | None = None,
    delimiter: str | None = None,
    erp_source: str | None = None,
) -> dict[str, int]:
    """Land new batches in bronze; return rows landed per object.

    Unset arguments come from the settings (FAUXFORCE_LANDING_DIR, FAUXFORCE_WAREHOUSE_URL,
    FAUXFORCE_CRM_SOURCE, FAUXFORCE_ERP_SOURCE, …). CSV files have their encoding and delimiter
    detected one by one; `encoding` / `delimiter` (or FAUXFORCE_CSV_ENCODING / FAUXFORCE_CSV_DELIMITER)
    force them for every file.
    """
    run = resolve(
        landing=landing,
        warehouse=warehouse,
        source=source,
        erp_source=erp_source,
        encoding=encoding,
        delimiter=delimiter,
    )
    landing = str(run.landing)
    csv_options = {"encoding": run.encoding, "delimiter": run.delimiter}
    wh = Warehouse(run.warehouse)
    landed: dict[str, int] = {}
    batches = 0
    files: list[dict[str, object]] = []
    skipped: list[dict[str, str]] = []
    quarantined: list[dict[str, str]] = []
    logger = get_run_logger()
    try:
        ledger.prepare(wh)
        work: list[tuple[Connector, ObjectRef]] = []
        for connector, system in plan(run.source, run.erp_source, landing, csv_options):
            for path, reason in connector.skipped():
                logger.warning("skipped %s: %s", path, reason)
                skipped.append({"path": path, "reason": reason})
            work += [(connector, ref) for ref in connector.objects() if not system or ref.system == system]
        progress = Progress("bronze", len(work))
        for connector, ref in work:
            results = land_object_task(wh, connector, ref)
            progress.advance(1, str(ref))
            landed[str(ref)] = sum(r.rows for r in results)
            batches += len(results)
            for r in results:
                if r.quarantined:
                    logger.warning("%s quarantined as a file: %s", r.file, r.quarantined)
                    quarantined.append({"file": r.file, "object": str(r.ref), "reason": r.quarantined})
                    continue
                if notes := r.notes():
                    logger.info("%s: %s", r.file, "; ".join(notes))
                files.append({"file": r.file, "rows": r.rows, "notes": "; ".join(notes)})
        progress.finish()
    finally:
        wh.dispose()
    if skipped:
        create_table_artifact(
            key="bronze-skipped", table=skipped, description="Bronze: what the landing folder holds but is not read"
        )
    if quarantined:
        create_table_artifact(
            key="bronze-quarantined-files",
            table=quarantined,
            description="Bronze: files that could not be landed at all (meta.quarantined_files); fix and export again",
        )
    if files:
        create_table_artifact(
            key="bronze-files", table=files, description="Bronze: each file landed, and what was unusual about it"
        )
    create_table_artifact(
        key="bronze-counts",
        table=[{"object": k, "rows_landed": v} for k, v in landed.items()],
        description=f"Bronze: {batches} new batches from {run.source} and {run.erp_source} at {landing}",
    )
    get_run_logger().info("bronze: %s rows in %s new batches", f"{sum(landed.values()):,}", batches)
    return landed
