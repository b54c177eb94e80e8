"""The build-gold flow: headline and table artifacts on success; a failed check fails the run, visibly."""

from __future__ import annotations

import asyncio
from pathlib import Path

import sqlalchemy as sa

from fauxforce.core.warehouse import Warehouse
from fauxforce.flows.build_gold import build_gold
from fauxforce.generators.org import Options, generate_org
from tests.conftest import load_silver


async def _artifacts() -> dict[str, str]:
    from prefect.client.orchestration import get_client

    async with get_client() as client:
        return {a.key: str(a.data) for a in await client.read_artifacts() if a.key}


def test_build_gold_reports_the_headline_and_fails_visibly_on_a_broken_check(
    tmp_path: Path, prefect_harness: None
) -> None:
    generate_org(Options(out=tmp_path / "landing", scale=0.01, days=60))
    url = f"duckdb:///{tmp_path / 'wh.duckdb'}"
    wh = Warehouse(url)
    load_silver(wh, tmp_path / "landing")

    result = build_gold(warehouse=url)
    assert result.tables["headline_kpis"] == 1 and result.checks > 100
    found = asyncio.run(_artifacts())
    assert "# Gold headline, as of 2026-06-30 (FY2026 Q2)" in found["gold-headline"]
    assert "Worst suppliers" in found["gold-headline"] and "gold.fact_opportunity" in found["gold-tables"]

    with wh.engine.begin() as conn:
        conn.execute(sa.text("UPDATE silver.inventory SET quantity_on_hand = quantity_on_hand + 1"))
    state = build_gold(warehouse=url, return_state=True)
    assert state.is_failed()
    assert "GoldCheckError" in str(state.message) and "inventory_reconciles_with_movements" in str(state.message)
    failures = asyncio.run(_artifacts())["gold-check-failures"]
    assert "test:inventory_reconciles_with_movements" in failures and "rolled back" in failures
    wh.dispose()
