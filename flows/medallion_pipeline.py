"""Flow `medallion-pipeline`: bronze, then silver, then gold."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from prefect import flow

from fauxforce.settings import get_settings
from flows.build_gold import build_gold
from flows.build_silver import build_silver
from flows.load_bronze import load_bronze


@dataclass
class PipelineSummary:
    bronze_rows: dict[str, int]
    silver_loaded: int
    silver_quarantined: int
    silver_duplicates: int
    batches: int
    gold_tables: dict[str, int] = field(default_factory=dict)
    gold_checks: int = 0
    headline: dict[str, Any] = field(default_factory=dict)


@flow(name="medallion-pipeline")
def medallion_pipeline(
    landing: str | None = None,
    warehouse: str | None = None,
    source: str = "csv",
    full_refresh: bool = False,
    as_of: dt.date | None = None,
) -> PipelineSummary:
    """Land new source batches in bronze, apply them to silver, rebuild and check gold."""
    settings = get_settings()
    warehouse = warehouse or settings.warehouse_url
    bronze = load_bronze(landing=landing, warehouse=warehouse, source=source)
    silver = build_silver(warehouse=warehouse, refresh=full_refresh)
    gold = build_gold(warehouse=warehouse, as_of=as_of)
    return PipelineSummary(
        bronze_rows=bronze,
        silver_loaded=sum(r.loaded for r in silver),
        silver_quarantined=sum(r.quarantined for r in silver),
        silver_duplicates=sum(r.duplicates for r in silver),
        batches=len(silver),
        gold_tables=gold.tables,
        gold_checks=gold.checks,
        headline=gold.headline,
    )


if __name__ == "__main__":
    print(medallion_pipeline())
