"""Flow `medallion-pipeline`: bronze, then silver."""

from __future__ import annotations

from dataclasses import dataclass

from prefect import flow

from fauxforce.settings import get_settings
from flows.build_silver import build_silver
from flows.load_bronze import load_bronze


@dataclass
class PipelineSummary:
    bronze_rows: dict[str, int]
    silver_loaded: int
    silver_quarantined: int
    silver_duplicates: int
    batches: int


@flow(name="medallion-pipeline")
def medallion_pipeline(
    landing: str | None = None, warehouse: str | None = None, source: str = "csv", full_refresh: bool = False
) -> PipelineSummary:
    """Land new source batches in bronze, then apply them to silver."""
    settings = get_settings()
    warehouse = warehouse or settings.warehouse_url
    bronze = load_bronze(landing=landing, warehouse=warehouse, source=source)
    silver = build_silver(warehouse=warehouse, refresh=full_refresh)
    return PipelineSummary(
        bronze_rows=bronze,
        silver_loaded=sum(r.loaded for r in silver),
        silver_quarantined=sum(r.quarantined for r in silver),
        silver_duplicates=sum(r.duplicates for r in silver),
        batches=len(silver),
    )


if __name__ == "__main__":
    print(medallion_pipeline())
