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
