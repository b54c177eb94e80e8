"""The `load-bronze` flow lands a landing folder and leaves a counts artifact."""

from __future__ import annotations

from pathlib import Path

import pytest

from fauxforce.core.warehouse import Warehouse
from fauxforce.generators.org import Options, generate_org


def test_load_bronze_flow(tmp_path: Path, prefect_harness: None) -> None:
    from fauxforce.flows.load_bronze import load_bronze

    manifest = generate_org(Options(out=tmp_path / "landing", scale=0.01, days=30))
    url = f"duckdb:///{tmp_path / 'wh.duckdb'}"
    landed = load_bronze(landing=str(tmp_path / "landing"), warehouse=url)
    assert landed == {k: v["rows"] for k, v in manifest.objects.items()}
    assert sum(load_bronze(landing=str(tmp_path / "landing"), warehouse=url).values()) == 0
    assert (
        Warehouse(url).count("bronze", "salesforce__opportunity") == manifest.objects["salesforce/Opportunity"]["rows"]
    )


def test_forced_dialect_and_the_files_artifact(
    tmp_path: Path, prefect_harness: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    from prefect.artifacts import Artifact

    from fauxforce.flows.load_bronze import load_bronze

    folder = tmp_path / "landing" / "erp"
    folder.mkdir(parents=True)
    # as many commas as semicolons in the header: detection says comma, the user knows better
    (folder / "warehouses.csv").write_bytes("warehouse_code;name,full\nWH-01;Zürich, Main\n".encode("cp1252"))
    url = f"duckdb:///{tmp_path / 'wh.duckdb'}"
    monkeypatch.setenv("FAUXFORCE_CSV_DELIMITER", ";")
    assert load_bronze(landing=str(tmp_path / "landing"), warehouse=url, encoding="cp1252") == {"erp/warehouses": 1}
    wh = Warehouse(url)
    with wh.engine.connect() as conn:
        row = conn.exec_driver_sql('SELECT warehouse_code, "name,full" FROM bronze.erp__warehouses').one()
    assert tuple(row) == ("WH-01", "Zürich, Main")
    wh.dispose()
    artifact = Artifact.get("bronze-files")
    assert artifact is not None and "erp/warehouses.csv" in str(artifact.data) and "cp1252" in str(artifact.data)
