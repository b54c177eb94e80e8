"""Extraction from a Salesforce org: rows/s by REST and by Bulk API 2.0, and API calls per run.

Serves a generated org with the mock (`fauxforce.mock`) on 127.0.0.1 over HTTPS and reads every
Salesforce object with the `salesforce` connector, as the pipeline does (describe, then queryAll by
SystemModstamp), once all by REST paging and once all by Bulk API 2.0, counting rows and the API
calls the org saw. Then it advances the org by a day and runs the incremental extraction a scheduled
run would make (each object from its watermark, REST or Bulk by size). The mock's own cost (Python
JSON and CSV rendering on the same 2 cores) is in the figures: a real org serves pages in parallel
with the client, so these are a floor. Usage:
  python benchmarks/extract.py [--scale 1]
"""

from __future__ import annotations

import argparse
import datetime as dt
import tempfile
import time
from pathlib import Path

from fauxforce.connectors.salesforce import SalesforceConnector
from fauxforce.core.settings import Settings
from fauxforce.generators.org import Options, generate_org
from fauxforce.mock.org import MockOrg
from fauxforce.mock.server import MockSalesforce

AS_OF = dt.date(2026, 6, 30)


def settings(mock: MockSalesforce) -> Settings:
    c = mock.credentials
    return Settings(  # type: ignore[call-arg]
        SALESFORCE_USERNAME=c.username,
        SALESFORCE_PASSWORD=c.password,
        SALESFORCE_SECURITY_TOKEN=c.security_token,
        SALESFORCE_LOGIN_URL=mock.instance_url,
        SALESFORCE_CA_BUNDLE=str(mock.keys.ca_file),
    )


def extract_all(
    mock: MockSalesforce, since: dict[str, str] | None, **options: int
) -> tuple[int, int, float, dict[str, str]]:
    """Rows, API calls and seconds for one pass over every object; and the watermarks it ends with."""
    calls = mock.api_calls
    started = time.perf_counter()
    sf = SalesforceConnector(settings=settings(mock), bulk_poll=0, **options)  # type: ignore[arg-type]
    rows, marks = 0, {}
    for ref in sf.objects():
        for batch in sf.extract(ref, lambda s: False, since=(since or {}).get(ref.name)):
            rows += batch.data.num_rows
            marks[ref.name] = batch.state["watermark"]
    return rows, mock.api_calls - calls, time.perf_counter() - started, marks


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", type=float, default=1.0)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="fauxforce-extract-") as tmp:
        options = Options(
            out=Path(tmp) / "org", seed=42, scale=args.scale, as_of=AS_OF, start=AS_OF - dt.timedelta(days=365)
        )
        generate_org(options)
        started = time.perf_counter()
        org = MockOrg.from_landing(options.out, options)
        records = sum(len(o.records) for o in org.objects.values())
        loaded = time.perf_counter() - started
        print(f"scale {args.scale:g}: {records:,} Salesforce records, mock org loaded in {loaded:.1f}s")
        with MockSalesforce(org, Path(tmp) / "certs") as mock:
            print("| run | API | rows | seconds | rows/s | API calls |")
            print("|---|---|---:|---:|---:|---:|")
            marks: dict[str, str] = {}
            for label, opts in (("full", {"bulk_threshold": 10**12}), ("full", {"bulk_threshold": 0})):
                rows, calls, seconds, marks = extract_all(mock, None, **opts)
                api = "REST" if opts["bulk_threshold"] else "Bulk 2.0"
                print(f"| {label} | {api} | {rows:,} | {seconds:.1f} | {rows / seconds:,.0f} | {calls:,} |", flush=True)
            changed = org.advance(1)
            rows, calls, seconds, _ = extract_all(mock, marks)
            rate = rows / max(seconds, 1e-9)
            print(f"| next day ({changed:,} changed) | by size | {rows:,} | {seconds:.1f} | {rate:,.0f} | {calls:,} |")


if __name__ == "__main__":
    main()
