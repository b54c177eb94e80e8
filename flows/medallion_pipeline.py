"""Flow `medallion-pipeline`: bronze, then silver, then gold, one run at a time per warehouse."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from prefect import flow, get_run_logger
from prefect.client.orchestration import get_client
from prefect.client.schemas.actions import GlobalConcurrencyLimitCreate
from prefect.concurrency.sync import concurrency
from prefect.exceptions import ObjectAlreadyExists, ObjectNotFound

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
    quarantine_examples: dict[str, list[str]] = field(default_factory=dict)  # object → first reasons
    gold_tables: dict[str, int] = field(default_factory=dict)
    gold_checks: int = 0
    headline: dict[str, Any] = field(default_factory=dict)


def quarantine_examples(results: list[SilverResult], per_object: int = 3) -> dict[str, list[str]]:
    """The first few quarantine reasons of each object, for a report a person reads."""
    out: dict[str, list[str]] = {}
    for r in results:
        if r.examples:
            have = out.setdefault(r.object, [])
            have += r.examples[: per_object - len(have)]
    return out


def lock_name(warehouse: str) -> str:
    """The global concurrency limit that serialises pipeline runs on one warehouse (password left out)."""
    url = sa.engine.make_url(warehouse).render_as_string(hide_password=True)
    return f"fauxforce-warehouse-{hashlib.sha256(url.encode()).hexdigest()[:16]}"


@contextmanager
def warehouse_lock(warehouse: str) -> Iterator[None]:
    """Hold the warehouse's one slot for the whole run; a run that finds it taken waits for it."""
    name = lock_name(warehouse)
    with get_client(sync_client=True) as client:
        try:  # look first: a create that collides makes the API server log a database error
            client.read_global_concurrency_limit_by_name(name)
        except ObjectNotFound:
            with suppress(ObjectAlreadyExists):  # another run created it in between
                client.create_global_concurrency_limit(GlobalConcurrencyLimitCreate(name=name, limit=1))
    get_run_logger().info("waiting for the warehouse's run slot (%s)", name)
    with concurrency(name, occupy=1, strict=True):
        yield


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
) -> PipelineSummary:
    """Land new source batches in bronze, apply them to silver, rebuild and check gold.

    Unset arguments come from the settings (FAUXFORCE_LANDING_DIR, FAUXFORCE_WAREHOUSE_URL,
    FAUXFORCE_CRM_SOURCE, FAUXFORCE_ERP_SOURCE, …), resolved once here; the subflows get the resolved
    values. Runs on one warehouse never overlap: each holds a global concurrency slot (limit 1, created
    on first use) for its whole length, and a run that starts while another holds it waits.
    """
    run = resolve(
        landing=landing,
        warehouse=warehouse,
        source=source,
        erp_source=erp_source,
        encoding=encoding,
        delimiter=delimiter,
    )
    with warehouse_lock(run.warehouse):
        bronze = load_bronze(
            landing=str(run.landing),
            warehouse=run.warehouse,
            source=run.source,
            encoding=run.encoding,
            delimiter=run.delimiter,
            erp_source=run.erp_source,
        )
        silver = build_silver(warehouse=run.warehouse, refresh=full_refresh)
        gold = build_gold(warehouse=run.warehouse, as_of=as_of, fiscal_year_start_month=run.fiscal_year_start_month)
    return PipelineSummary(
        bronze_rows=bronze,
        silver_loaded=sum(r.loaded for r in silver),
        silver_quarantined=sum(r.quarantined for r in silver),
        silver_duplicates=sum(r.duplicates for r in silver),
        batches=len(silver),
        quarantine_examples=quarantine_examples(silver),
        gold_tables=gold.tables,
        gold_checks=gold.checks,
        headline=gold.headline,
    )


if __name__ == "__main__":
    print(medallion_pipeline())
