"""Flow `sync-to-salesforce`: gold → Salesforce fields, as the sync mapping declares (`fauxforce sync`)."""

from __future__ import annotations

from pathlib import Path

from prefect import flow, get_run_logger
from prefect.artifacts import create_table_artifact

from fauxforce.connectors.salesforce import SalesforceConnector
from fauxforce.core.runlock import RunLock
from fauxforce.core.settings import get_settings, resolve
from fauxforce.core.warehouse import Warehouse
from fauxforce.writeback.load import Loader, LoadError, StepResult
from fauxforce.writeback.sync import read_mapping, sync


class SyncIncomplete(LoadError):
    """Some rows did not land; they are sent again on the next run."""


def summary_line(r: StepResult) -> str:
    return (
        f"{r.object} ({r.step}): {r.sent:,} sent, {r.created + r.updated:,} landed, {r.not_landed:,} did not, "
        f"{r.unchanged:,} unchanged"
    )


@flow(name="sync-to-salesforce")
def sync_to_salesforce(warehouse: str | None = None, mapping: str | None = None) -> dict[str, int]:
    """Send the gold rows whose mapped values changed since they last landed to the org the SALESFORCE_* settings
    point at. Runs hold the warehouse's run lock, so a sync never reads gold while a pipeline run rebuilds it. A
    row that fails is sent again on the next run; a run where rows did not land ends Failed and says how many."""
    logger = get_run_logger()
    run = resolve(warehouse=warehouse)
    entries = read_mapping(Path(mapping or get_settings().sync_mapping))
    sf = SalesforceConnector()  # credentials checked before the warehouse is locked
    with RunLock(run.warehouse, on_wait=logger.warning):
        wh = Warehouse(run.warehouse)
        try:
            results = sync(sf, wh, entries, Loader(sf, wh, report=lambda r: logger.info(summary_line(r))))
        finally:
            wh.dispose()
    create_table_artifact(
        key="sync-to-salesforce",
        table=[
            {
                "object": r.object,
                "step": r.step,
                "sent": r.sent,
                "landed": r.created + r.updated,
                "failed": r.failed,
                "unprocessed": r.unprocessed,
                "unchanged": r.unchanged,
            }
            for r in results
        ],
        description="What this sync sent to Salesforce, per mapping entry",
    )
    missed = sum(r.not_landed for r in results)
    if missed:
        raise SyncIncomplete(
            f"{missed:,} rows did not land in Salesforce (see meta.load_rows); the next run sends them"
        )
    return {
        "sent": sum(r.sent for r in results),
        "landed": sum(r.created + r.updated for r in results),
        "unchanged": sum(r.unchanged for r in results),
    }
