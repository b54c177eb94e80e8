"""`fauxforce load-org` against the mock org: records per second and API calls per 10,000 records.

For each scale: a generated org is loaded into an empty sandbox of itself (the mock org on 127.0.0.1, through
the real simple-salesforce client), then loaded again with nothing changed. Beside it, in the same run, the
floor: the same records (the rows load-org sends) posted as upsert jobs straight through simple-salesforce's
`bulk2.<Object>.upsert()`, one job per object: what the org and the client alone take, with no plan, no
ledger, no result matching. The mock processes every job in-process, so these figures measure fauxforce and
the client, not Salesforce's own queue (on a real org, jobs wait in it for seconds to minutes).
Usage: python benchmarks/load_org.py [--scales 0.1] [--rows-per-job 50000]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from fauxforce.connectors.salesforce import SalesforceConnector
from fauxforce.core.settings import Settings
from fauxforce.core.warehouse import Warehouse
from fauxforce.generators.org import generate
from fauxforce.mock.org import MockOrg
from fauxforce.mock.server import MockSalesforce
from fauxforce.writeback import load


def settings(mock: MockSalesforce) -> Settings:
    c = mock.credentials
    return Settings(  # type: ignore[call-arg]
        SALESFORCE_LOGIN_URL=mock.instance_url,
        SALESFORCE_CA_BUNDLE=str(mock.keys.ca_file),
        SALESFORCE_USERNAME=c.username,
        SALESFORCE_PASSWORD=c.password,
        SALESFORCE_SECURITY_TOKEN=c.security_token,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--scales", type=float, nargs="+", default=[0.1])
    parser.add_argument("--rows-per-job", type=int, default=50_000)
    args = parser.parse_args()
    print(f"{'scale':>6} {'run':<22} {'records':>9} {'seconds':>8} {'records/s':>10} {'API calls':>9} {'per 10k':>8}")
    for scale in args.scales:
        with tempfile.TemporaryDirectory() as tmp:
            run(Path(tmp), scale, args.rows_per_job)


def run(tmp: Path, scale: float, rows_per_job: int) -> None:
    generate(tmp / "org", scale=scale)
    source = MockOrg.from_landing(tmp / "org")

    def line(name: str, records: int, seconds: float, calls: int) -> None:
        per = f"{calls / records * 10_000:.1f}" if records else "-"
        print(
            f"{scale:>6g} {name:<22} {records:>9,} {seconds:>8.2f} {records / seconds:>10,.0f} {calls:>9,} {per:>8}",
            flush=True,
        )

    with MockSalesforce(source.sandbox(), tmp / "certs") as mock:
        sf = SalesforceConnector(settings=settings(mock))
        wh = Warehouse(f"duckdb:///{tmp / 'ledger.duckdb'}")
        loader = load.Loader(sf, wh, rows_per_job=rows_per_job, poll=0.05)
        before, started = mock.api_calls, time.perf_counter()
        plan = load.prepare(tmp / "org", sf)
        results = loader.run(plan)
        sent = sum(r.sent for r in results)
        line("load-org", sent, time.perf_counter() - started, mock.api_calls - before)
        assert sum(r.not_landed for r in results) == 0
        before, started = mock.api_calls, time.perf_counter()
        again = loader.run(load.prepare(tmp / "org", sf))
        line("load-org, nothing new", sum(r.unchanged for r in again), time.perf_counter() - started,
             mock.api_calls - before)  # fmt: skip
        wh.dispose()

    with MockSalesforce(source.sandbox(), tmp / "certs") as mock:  # the floor: the same rows, bulk2.upsert() alone
        client = SalesforceConnector(settings=settings(mock)).client()
        jobs = [(p, *load.step_rows(p, "records", plan.owner_of, 0)) for p in plan.objects]
        before, started = mock.api_calls, time.perf_counter()
        records = 0
        for p, header, rows in jobs:
            path = tmp / f"{p.name}.csv"
            path.write_text(load.csv_text(header, rows), encoding="utf-8")
            for result in getattr(client.bulk2, p.name).upsert(
                csv_file=str(path), external_id_field=p.key, batch_size=rows_per_job, wait=0
            ):
                records += int(result["numberRecordsProcessed"])
        line("floor: bulk2 upsert", records, time.perf_counter() - started, mock.api_calls - before)
        assert records == sum(len(p.rows) for p in plan.objects)


if __name__ == "__main__":
    main()
