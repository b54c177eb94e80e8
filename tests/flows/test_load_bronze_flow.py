"""The `load-bronze` flow lands a landing folder and leaves a counts artifact."""

from __future__ import annotations

from pathlib import Path

from fauxforce.warehouse import Warehouse
from generators.org import Options, generate_org


def test_load_bronze_flow(tmp_path: Path, prefect_harness: None) -> None:
    from flows.load_bronze import load_bronze

    manifest = generate_org(Options(out=tmp_path / "landing", scale=0.01, days=30))
    url = f"duckdb:///{tmp_path / 'wh.duckdb'}"
    landed = load_bronze(landing=str(tmp_path / "landing"), warehouse=url)
    assert landed == {k: v["rows"] for k, v in manifest.objects.items()}
    assert sum(load_bronze(landing=str(tmp_path / "landing"), warehouse=url).values()) == 0
    assert (
        Warehouse(url).count("bronze", "salesforce__opportunity") == manifest.objects["salesforce/Opportunity"]["rows"]
    )
