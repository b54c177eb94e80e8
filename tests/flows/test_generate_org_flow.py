"""The `generate-org` flow runs under Prefect and leaves a counts artifact."""

from __future__ import annotations

import datetime as dt
from pathlib import Path


def test_generate_org_flow_writes_the_org_and_an_artifact(tmp_path: Path, prefect_harness: None) -> None:
    from prefect.client.orchestration import get_client

    from fauxforce.flows.generate_org import generate_org

    out = tmp_path / "landing"
    state = generate_org(out=str(out), scale=0.01, days=60, as_of=dt.date(2026, 6, 30), return_state=True)
    assert state.is_completed()
    rows = state.result()
    assert rows["salesforce/Account"] > 0 and (out / "salesforce" / "Account.csv").exists()

    async def artifacts() -> list[object]:
        async with get_client() as client:
            return await client.read_artifacts()

    import asyncio

    found = [a for a in asyncio.run(artifacts()) if getattr(a, "key", None) == "generated-org"]
    assert found and "salesforce/Account" in str(found[0].data)  # type: ignore[attr-defined]


def test_the_flow_plants_scenarios_by_name_and_refuses_an_unknown_one(tmp_path: Path, prefect_harness: None) -> None:
    import json

    from fauxforce.flows.generate_org import generate_org

    out = tmp_path / "daily"
    state = generate_org(
        out=str(out), export="daily", scale=0.01, as_of=dt.date(2026, 6, 30), scenarios=["recall"], return_state=True
    )
    assert state.is_completed()
    planted = json.loads((out / ".fauxforce-daily.json").read_text())["scenarios"]
    assert [e["effect"] for e in planted] == ["product_recall"] and planted[0]["factor"] == 3
    failed = generate_org(out=str(tmp_path / "other"), scale=0.01, scenarios=["flood"], return_state=True)
    assert failed.is_failed() and not (tmp_path / "other").exists()
