"""The `fauxforce` command."""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import logging
import os
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from fauxforce import __version__
from fauxforce.core import maintenance
from fauxforce.core.maintenance import MaintenanceError
from fauxforce.core.progress import Progress
from fauxforce.core.settings import RunSettings, SettingsError, resolve

if TYPE_CHECKING:
    from fauxforce.core.warehouse import Warehouse
    from fauxforce.writeback.load import Plan as load_plan
    from fauxforce.writeback.load import StepResult as load_result


class _Parser(argparse.ArgumentParser):
    """argparse that reports a usage error on one line."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(2, f"{self.prog}: error: {message} (see --help)\n")


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {text!r}") from None


def _delimiter(text: str) -> str:
    value = {"tab": "\t", "\\t": "\t"}.get(text, text)
    if len(value) != 1:
        raise argparse.ArgumentTypeError(f"a delimiter is one character (or `tab`), not {text!r}")
    return value


def _warehouse_arg(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--warehouse", help="SQLAlchemy URL (default: FAUXFORCE_WAREHOUSE_URL, else embedded DuckDB)")


def _run_target(parser: argparse.ArgumentParser) -> None:
    """What a run reads and writes: the same options for `run` and `doctor`."""
    parser.add_argument(
        "--landing", type=Path, help="landing folder (default: FAUXFORCE_LANDING_DIR, else data/landing)"
    )
    _warehouse_arg(parser)
    parser.add_argument(
        "--source",
        choices=["csv", "salesforce"],
        help="CRM source: csv (the landing folder) or salesforce (a live org, from the SALESFORCE_* settings; "
        "ERP files still come from the landing folder) (default: FAUXFORCE_CRM_SOURCE, else csv)",
    )
    parser.add_argument(
        "--erp-source",
        choices=["csv", "erp-sql"],
        help="ERP source: csv (the landing folder's erp/ files) or erp-sql (the database at FAUXFORCE_ERP_URL) "
        "(default: FAUXFORCE_ERP_SOURCE, else csv)",
    )


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="fauxforce", description="A synthetic Salesforce org and ERP, and the pipeline behind it.")
    parser.add_argument("--version", action="version", version=f"fauxforce {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    gen = sub.add_parser(
        "generate",
        help="write a generated Salesforce org and its ERP as export files",
        description="Write a generated Salesforce org and the ERP behind it as CSV or Parquet exports.",
        epilog="example: fauxforce generate --scale 0.1 --out data/landing --overwrite",
    )
    gen.add_argument("--out", type=Path, help="output folder (default: FAUXFORCE_LANDING_DIR, else data/landing)")
    gen.add_argument(
        "--seed", type=int, default=42, help="random seed; the same arguments give the same files (default: 42)"
    )
    gen.add_argument(
        "--scale",
        type=float,
        default=1.0,
        help="1 ≈ 20,000 Accounts, 60,000 Contacts, 100,000 Opportunities (default: 1)",
    )
    gen.add_argument(
        "--format",
        default="csv",
        choices=["csv", "parquet"],
        help="csv (Salesforce Bulk API conventions) or parquet (default: csv)",
    )
    gen.add_argument(
        "--as-of", type=_date, default=dt.date(2026, 6, 30), help="the simulated today (default: 2026-06-30)"
    )
    gen.add_argument(
        "--days", type=int, default=365, help="length of the simulated history before --as-of (default: 365)"
    )
    gen.add_argument(
        "--start",
        type=_date,
        help="first day of the history (default: --as-of minus --days); keep it fixed to move --as-of on",
    )
    gen.add_argument(
        "--export",
        default="full",
        choices=["full", "changes"],
        help="full (a snapshot) or changes (one folder per day) (default: full)",
    )
    gen.add_argument("--since", type=_date, help="with --export changes: only the days after this one")
    gen.add_argument(
        "--dirty",
        type=float,
        default=0.0,
        metavar="RATE",
        help="make the CSV files messy like real exports: a defect in this share of records (e.g. 0.05), "
        "listed in OUT/defects.csv (default: 0, clean)",
    )
    gen.add_argument(
        "--describe",
        type=Path,
        metavar="DIR",
        help="make a twin of an org: its objects, fields and picklists as this folder of describe JSON says "
        "(written to OUT/describe/; see docs/twin.md)",
    )
    gen.add_argument(
        "--describe-from-org",
        action="store_true",
        help="make a twin of the org the SALESFORCE_* settings point at: its describe metadata is read (the "
        "objects FAUXFORCE_SALESFORCE_OBJECTS selects, and its OpportunityStage and CurrencyType records), never "
        "the records of its objects",
    )
    gen.add_argument(
        "--scenario",
        action="append",
        default=[],
        metavar="NAME|FILE",
        help="plant a scenario's effects in the org, recorded in the manifest with their sizes: a preset "
        "(late-supplier, recall, slow-payers, win-rate-drop, price-increase, rep-leaves, churn) or a YAML file "
        "of effects (docs/generator.md, Planted scenarios); repeatable",
    )
    gen.add_argument(
        "--erp-url",
        help="also write the ERP tables into this SQLAlchemy database (replacing them), for the erp-sql source",
    )
    gen.add_argument(
        "--overwrite", action="store_true", help="replace a non-empty output folder that fauxforce generate wrote"
    )
    gen.add_argument("--quiet", action="store_true", help="no progress display and no summary")

    prof = sub.add_parser(
        "profile",
        help="score how faithful a generated org is to a reference (a describe folder, or a real export)",
        description="Compare a generated org's Salesforce files with a reference: fields present and valid for "
        "their type, picklist coverage, null rates, number distributions and lookup fan-out; a score per object.",
        epilog="example: fauxforce profile data/landing --reference my-org-describe/",
    )
    prof.add_argument("generated", type=Path, help="a folder fauxforce generate wrote (or any export)")
    prof.add_argument(
        "--reference", type=Path, required=True, help="a folder of describe JSON, or an export of real records"
    )
    prof.add_argument("--json", action="store_true", help="print the figures as JSON, with each problem found")

    load = sub.add_parser(
        "load-org",
        help="load an export (a generated org, a twin, any salesforce/<Object>.csv folder) into an org",
        description="Upsert every record of an export into the org the SALESFORCE_* settings point at, through Bulk "
        "API 2.0 ingest jobs: parents before children, references by external id (each object needs the field "
        "FAUXFORCE_SALESFORCE_EXTERNAL_ID names, by default Fauxforce_Id__c), lookups that make a cycle in a second "
        "step. Every job and record is recorded in the warehouse (meta.load_jobs, meta.load_rows); a re-run sends "
        "only what did not land or has changed.",
        epilog="example: fauxforce load-org data/landing --anchor-date 2026-12-01 --dry-run",
    )
    load.add_argument("export", type=Path, help="the folder to load (its salesforce/<Object>.csv files)")
    load.add_argument(
        "--objects",
        help="comma-separated objects or patterns to load (default: every object of the export the org can create, "
        "but the org's set-up: User, Group, RecordType, …)",
    )
    load.add_argument(
        "--anchor-date",
        type=_date,
        help="move every date so the export's as-of date becomes this day (a sandbox wants recent data)",
    )
    load.add_argument(
        "--dry-run",
        action="store_true",
        help="print what would be created and updated, and the API "
        "calls it would cost against the org's allowance; write nothing",
    )
    load.add_argument("--rows-per-job", type=int, default=50_000, help="records per ingest job (default: 50,000)")
    _warehouse_arg(load)

    syn = sub.add_parser(
        "sync",
        help="write gold back to Salesforce fields, as the sync mapping declares (only what changed)",
        description="Send gold's values to the org the SALESFORCE_* settings point at, as the mapping file declares "
        "(gold table and columns → object and fields; sync.yaml, or FAUXFORCE_SYNC_MAPPING): only the rows whose "
        "values changed since they last landed; rows that failed are sent again on the next run.",
        epilog="example: fauxforce sync --dry-run",
    )
    syn.add_argument("--mapping", type=Path, help="the mapping file (default: FAUXFORCE_SYNC_MAPPING, else sync.yaml)")
    syn.add_argument("--dry-run", action="store_true", help="print how many rows each entry would send; write nothing")
    _warehouse_arg(syn)
    run = sub.add_parser(
        "run",
        help="run the medallion pipeline (bronze, silver, gold) as a Prefect flow",
        description="Land new exports in bronze, apply them to silver and rebuild gold, as the Prefect flow "
        "medallion-pipeline.",
        epilog="example: fauxforce run --landing data/landing --warehouse data/warehouse.duckdb",
    )
    _run_target(run)
    run.add_argument(
        "--full-refresh",
        action="store_true",
        help="rebuild silver from all of bronze, and every gold table with every check",
    )
    run.add_argument(
        "--verbose",
        action="store_true",
        help="also show Prefect's own log lines (each flow and task run) and the tracebacks of failures",
    )
    run.add_argument("--encoding", help="force every CSV file's encoding, e.g. cp1252 (default: detected per file)")
    run.add_argument(
        "--delimiter", type=_delimiter, help="force every CSV file's delimiter: , ; | or tab (default: detected)"
    )
    run.add_argument(
        "--as-of", type=_date, help="the day gold's marts count from (default: the day of silver's latest change)"
    )
    run.add_argument(
        "--validation",
        metavar="RULES",
        help="silver's validation rules over the defaults, [object:]check=action separated by commas, action one "
        "of quarantine, flag, fail; e.g. 'parse_email=quarantine,Opportunity:unresolved=fail' (default: "
        "FAUXFORCE_VALIDATION, else only what cannot be represented is quarantined, the rest flagged)",
    )
    run.add_argument(
        "--report",
        metavar="PATH",
        help="write the HTML report here after gold, or `none` (default: FAUXFORCE_REPORT, else data/report.html)",
    )

    rep = sub.add_parser(
        "report",
        help="write the HTML report of what gold holds (sales, customers, supply chain, finance, data health)",
        description="Write one self-contained HTML page of gold's figures and the pipeline's data health, readable "
        "offline. `fauxforce run` writes it after each run too. Example: fauxforce report --out report.html",
    )
    _warehouse_arg(rep)
    rep.add_argument(
        "--out", type=Path, help="the HTML file to write (default: FAUXFORCE_REPORT, else data/report.html)"
    )

    stat = sub.add_parser(
        "status",
        help="what the warehouse holds per layer, its last runs, flags and quarantine",
        description="Print, in a few lines, the rows per layer, gold's as-of date, flags by check, quarantined "
        "files, live sources' watermarks and the last runs. Reads only; never waits for a running pipeline. "
        "Example: fauxforce status --runs 10",
    )
    _warehouse_arg(stat)
    stat.add_argument("--runs", type=int, default=5, help="how many of the last runs to list (default: 5)")

    doc = sub.add_parser(
        "doctor",
        help="check that a run has what it needs: settings, warehouse, landing folder, Salesforce, Prefect",
        description="Check, in about a second and without changing any data, what `fauxforce run` needs: the "
        "settings, the warehouse URL and whether it is reachable (and not held open by another program), the run "
        "lock, the landing folder, a Salesforce login (no data read), the ERP database and the Prefect API. Exits "
        "1 if a run would fail. Example: fauxforce doctor --source salesforce",
    )
    _run_target(doc)

    srv = sub.add_parser(
        "server",
        help="the local Prefect server `fauxforce run` starts and reuses: its address, or stop it",
        description="Without a configured Prefect API (PREFECT_API_URL), `fauxforce run` starts a Prefect server "
        "on 127.0.0.1 once and reuses it, so no run pays a server start; it stops by itself after "
        "FAUXFORCE_PREFECT_SERVER_IDLE minutes (default 30) without a run. Example: fauxforce server stop",
    )
    srv.add_argument("action", choices=["status", "stop"], help="status: its address and UI; stop: stop it now")

    mock = sub.add_parser(
        "mock-salesforce",
        help="serve a generated org as a Salesforce org on 127.0.0.1 over HTTPS",
        description="Serve a generated org over HTTPS on 127.0.0.1 with a CA of its own, for the salesforce "
        "connector and any simple-salesforce client; prints the instance URL, the CA file and credentials "
        "that work. Stop it with Ctrl-C.",
        epilog="example: fauxforce mock-salesforce --scale 0.05 --port 8443",
    )
    mock.add_argument("--seed", type=int, default=42, help="random seed of the generated org (default: 42)")
    mock.add_argument("--scale", type=float, default=0.1, help="size of the org, 1 ≈ 20,000 Accounts (default: 0.1)")
    mock.add_argument(
        "--as-of", type=_date, default=dt.date(2026, 6, 30), help="the org's simulated today (default: 2026-06-30)"
    )
    mock.add_argument(
        "--days", type=int, default=365, help="length of the simulated history before --as-of (default: 365)"
    )
    mock.add_argument("--port", type=int, default=0, help="port on 127.0.0.1 (default: any free port)")
    mock.add_argument(
        "--landing",
        type=Path,
        help="serve the salesforce/<Object>.csv files of this folder instead of a generated org (any objects, "
        "custom ones included; fields the catalogue does not declare are described by name and value)",
    )
    mock.add_argument(
        "--sandbox",
        action="store_true",
        help="serve an empty sandbox of the org instead: its objects and fields with an external id field on each "
        "(FAUXFORCE_SALESFORCE_EXTERNAL_ID's default, Fauxforce_Id__c), no records, for fauxforce load-org",
    )
    mock.add_argument(
        "--cert-dir",
        type=Path,
        default=Path("data/mock-salesforce"),
        help="where the CA, TLS and JWT keys are kept (default: data/mock-salesforce)",
    )
    return parser


def _mock_salesforce(args: argparse.Namespace) -> int:
    import signal
    import threading

    from fauxforce.mock.org import MockOrg
    from fauxforce.mock.server import API_VERSION, MockSalesforce

    if args.landing is not None:
        if not (args.landing / "salesforce").is_dir():
            print(f"fauxforce mock-salesforce: error: {args.landing}/salesforce is not a folder", file=sys.stderr)
            return 1
        org = MockOrg.from_landing(args.landing)
    else:
        print(f"generating the org (seed {args.seed}, scale {args.scale:g}, as of {args.as_of}) …", flush=True)
        org = MockOrg.generate(seed=args.seed, scale=args.scale, as_of=args.as_of, days=args.days)
    if args.sandbox:
        from fauxforce.core.settings import get_settings
        from fauxforce.writeback.load import LoadError, external_ids

        try:
            org = org.sandbox(external_ids(get_settings().salesforce_external_id)[0])
        except LoadError as e:
            print(f"fauxforce mock-salesforce: error: {e}", file=sys.stderr)
            return 2
    try:
        server = MockSalesforce(org, args.cert_dir, port=args.port)
    except OSError as e:
        print(
            f"fauxforce mock-salesforce: error: cannot listen on 127.0.0.1:{args.port}: {e.strerror or e}",
            file=sys.stderr,
        )
        return 1
    c, k = server.credentials, server.keys
    records = sum(len(o.records) for o in org.objects.values())
    print(f"mock Salesforce org: {len(org.objects)} objects, {records:,} records")
    for label, value in (
        ("instance URL", server.instance_url),
        ("API version", API_VERSION),
        ("CA file", k.ca_file.resolve()),
        ("username", c.username),
        ("password", c.password),
        ("security token", c.security_token),
        ("consumer key", c.consumer_key),
        ("consumer secret", c.consumer_secret),
        ("JWT key file", k.jwt_private_key.resolve()),
        ("session id", server.session_id),
        (
            "advance a day",
            f"curl --cacert {k.ca_file.resolve()} -H 'Authorization: Bearer {server.session_id}' "
            f"-X POST {server.instance_url}/_fauxforce/advance",
        ),
    ):
        print(f"{label:<16}  {value}")
    print("serving; Ctrl-C to stop", flush=True)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    server.start()
    with contextlib.suppress(KeyboardInterrupt):
        stop.wait()
    server.stop()
    return 0


def _generate(args: argparse.Namespace) -> int:
    out = resolve(landing=args.out).landing
    if args.describe and args.describe_from_org:
        print("fauxforce generate: error: give --describe DIR or --describe-from-org, not both", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory(prefix="fauxforce-describe-") as fetched:
        describe, label = args.describe, None
        if args.describe_from_org:
            try:
                label = _fetch_describe(Path(fetched), args.quiet)
            except RuntimeError as e:  # SalesforceSourceError: one line, no secret
                print(f"fauxforce generate: error: {e}", file=sys.stderr)
                return 1
            describe = Path(fetched)
        return _write_generated(args, out, describe, label)


def _fetch_describe(folder: Path, quiet: bool) -> str:
    """The org's describe metadata into `folder`; returns what the manifest calls it."""
    from fauxforce.connectors.salesforce import SalesforceConnector

    sf = SalesforceConnector()
    names = sf.save_describe(folder)
    instance = sf.client().sf_instance
    if not quiet:
        print(f"described {len(names)} objects of the org at {instance}")
    return f"the Salesforce org at {instance}"


def _write_generated(args: argparse.Namespace, out: Path, describe: Path | None, label: str | None) -> int:
    from fauxforce.generators import scenarios
    from fauxforce.generators.org import GenerateError, Options, generate_org

    try:
        planted = tuple(e for text in args.scenario for e in scenarios.load(text))
    except scenarios.ScenarioError as e:
        print(f"fauxforce generate: error: {e}", file=sys.stderr)
        return 2
    options = Options(
        out=out,
        seed=args.seed,
        scale=args.scale,
        as_of=args.as_of,
        days=args.days,
        start=args.start,
        format=args.format,
        export=args.export,
        since=args.since,
        overwrite=args.overwrite,
        dirty=args.dirty,
        describe=describe,
        describe_label=label,
        scenarios=planted,
    )
    started = time.perf_counter()
    try:
        manifest = generate_org(options, Progress("generating", 1, enabled=None if not args.quiet else False))
    except GenerateError as e:
        print(f"fauxforce generate: error: {e}", file=sys.stderr)
        return 2
    except OSError as e:
        print(f"fauxforce generate: error: cannot write {out}: {e.strerror or e}", file=sys.stderr)
        return 1
    seconds = time.perf_counter() - started
    if not args.quiet:
        width = max(len(k) for k in manifest.objects) if manifest.objects else 10
        if manifest.export == "full":
            for key, counts in manifest.objects.items():
                print(f"  {key:<{width}}  {counts['rows']:>10,}")
        else:
            days = sorted({k.split("/")[0] for k in manifest.objects})
            print(f"  {len(days)} day folders, {days[0] if days else '-'} … {days[-1] if days else '-'}")
        total = manifest.total_rows
        print(f"wrote {total:,} rows to {out} in {seconds:.1f}s ({total / max(seconds, 1e-9):,.0f} rows/s)")
        if manifest.dirty:
            print(f"dirty: {manifest.defects:,} defects injected, listed in {out / 'defects.csv'}")
        if manifest.describe:
            print(f"twin of {manifest.describe['folder']}: its describe is in {out / 'describe'}")
        for effect in manifest.scenarios or []:
            what = ", ".join(f"{k} {v}" for k, v in effect.items() if k != "effect")
            print(f"planted {effect['effect']}: {what} (in manifest.json)")
    if args.erp_url:
        from fauxforce.generators.erp_db import ErpDatabaseError, write_erp

        try:
            counts = write_erp(args.erp_url, options)
        except ErpDatabaseError as e:
            print(f"fauxforce generate: error: {e}", file=sys.stderr)
            return 1
        if not args.quiet:
            print(f"ERP: {sum(counts.values()):,} rows in {len(counts)} tables written to the ERP database")
    return 0


@contextlib.contextmanager
def _environment(**values: str) -> Iterator[None]:
    """Set environment variables for the length of a block, then put back what was there."""
    before = {k: os.environ.get(k) for k in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for k, v in before.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


PREFECT_FAILURE_REPORTS = (
    "Encountered exception during execution",
    "Task run failed with exception",
    "Finished in state Failed",
)


def _no_traceback(record: logging.LogRecord) -> bool:
    """Keep warnings on the console but not a failure's traceback, nor Prefect's own reports of the exception
    that ends a run (the task's, then the flow's): `fauxforce run` ends with one error line of its own
    (`--verbose` shows them all; Prefect's API keeps them either way)."""
    if record.getMessage().startswith(PREFECT_FAILURE_REPORTS):
        return False
    record.exc_info, record.exc_text = None, None
    return True


def _preflight(run: RunSettings) -> str | None:
    """The first of doctor's checks that would stop the run, as one line; None when nothing does."""
    from fauxforce.core.settings import get_settings
    from fauxforce.core.warehouse import Warehouse, WarehouseError
    from fauxforce.doctor import checks

    try:
        Warehouse(run.warehouse).dispose()  # the folder a DuckDB file needs, made as the run would (not the file)
    except WarehouseError as e:
        return str(e)
    for check in checks(run, get_settings()):
        if check.status == "fail":
            return check.detail
    return None


def _doctor(args: argparse.Namespace) -> int:
    from fauxforce.core.settings import get_settings
    from fauxforce.doctor import checks

    started = time.perf_counter()
    settings = get_settings()  # an unusable setting ends in main's one line
    run = resolve(landing=args.landing, warehouse=args.warehouse, source=args.source, erp_source=args.erp_source)
    print(f"{'ok':<5} {'settings':<12} environment and .env read")
    failed = 0
    for check in checks(run, settings):
        print(check.line(), flush=True)
        failed += check.status == "fail"
    took = time.perf_counter() - started
    print(f"{failed} problem{'s' * (failed != 1)} found in {took:.1f}s" if failed else f"ready to run ({took:.1f}s)")
    return 1 if failed else 0


def _run(args: argparse.Namespace) -> int:
    run = resolve(
        landing=args.landing,
        warehouse=args.warehouse,
        source=args.source,
        erp_source=args.erp_source,
        encoding=args.encoding,
        delimiter=args.delimiter,
        validation=args.validation,
        report=args.report,
    )
    landing, source, erp_source = run.landing, run.source, run.erp_source
    # Prefect's settings for this run only, each unless the user set it: its console shows warnings and
    # errors (its API still gets every line; --verbose shows them all), and a temporary server's usage
    # heartbeat, which cannot reach its service offline and fails noisily on a busy database, stays off.
    prefect_env = {"PREFECT_SERVER_ANALYTICS_ENABLED": "false", "DO_NOT_TRACK": "1"}  # no telemetry, no notice
    if not args.verbose:
        prefect_env["PREFECT_LOGGING_HANDLERS_CONSOLE_LEVEL"] = "WARNING"
    prefect_env = {k: v for k, v in prefect_env.items() if k not in os.environ}
    windows = maintenance.parse(run.maintenance)  # the Prefect variable's windows are the flow's to read
    if in_window := maintenance.active(windows, maintenance.systems_of(source, erp_source), dt.datetime.now(dt.UTC)):
        print(f"fauxforce run: cancelled: {maintenance.not_run(*in_window)}", file=sys.stderr)
        return 3
    with _environment(**prefect_env):  # read when Prefect is first imported (by the pre-flight, or just below)
        problem = _preflight(run)  # before Prefect starts a server: a wrong URL or folder costs no start
    if problem:
        print(f"fauxforce run: error: {problem}", file=sys.stderr)
        return 1
    with _environment(**prefect_env):
        from sqlalchemy.exc import DBAPIError

        from fauxforce.connectors.erp_sql import ErpSourceError  # these import Prefect, which reads .env itself
        from fauxforce.connectors.files import FileConnector, SourceFileError
        from fauxforce.connectors.salesforce import SalesforceSourceError
        from fauxforce.core import ledger
        from fauxforce.core.warehouse import Warehouse, WarehouseError, db_reason
        from fauxforce.flows.build_silver import FIX_HINT
        from fauxforce.gold.build import GoldCheckError
    if not args.verbose:
        from prefect.logging.handlers import PrefectConsoleHandler

        for handler in logging.getLogger().handlers:  # set up by the imports above
            if isinstance(handler, PrefectConsoleHandler):
                handler.addFilter(_no_traceback)
    # The flows are given the URL with its password masked (Prefect stores flow parameters); they take
    # the password back from FAUXFORCE_WAREHOUSE_URL, which holds the whole URL for this process only.
    warehouse = run.warehouse_masked
    started = time.perf_counter()
    started_at = dt.datetime.now(dt.UTC)
    try:
        from fauxforce.core.local_server import LocalServerError
        from fauxforce.flows.medallion_pipeline import PipelineSummary, medallion_pipeline

        with _environment(FAUXFORCE_WAREHOUSE_URL=run.warehouse, **prefect_env), _prefect_api(run) as ui:
            state = medallion_pipeline(
                landing=str(landing),
                warehouse=warehouse,
                source=source,
                erp_source=erp_source,
                full_refresh=args.full_refresh,
                as_of=args.as_of,
                encoding=run.encoding,
                delimiter=run.delimiter,
                validation=run.validation,
                report=str(run.report) if run.report else "none",
                return_state=True,
            )
            if state.is_cancelled():  # a maintenance window: nothing was touched
                print(f"fauxforce run: cancelled: {state.message}", file=sys.stderr)
                return 3
            summary = state.result()  # a failed run raises its exception here
            if not isinstance(summary, PipelineSummary):
                raise TypeError(f"medallion-pipeline returned {type(summary).__name__}, not its summary")
    except (
        SourceFileError,
        SalesforceSourceError,
        ErpSourceError,
        WarehouseError,
        GoldCheckError,
        LocalServerError,
        ValueError,
    ) as e:
        print(f"fauxforce run: error: {e}", file=sys.stderr)
        return 1
    except DBAPIError as e:  # the warehouse failed mid-run: a lost connection, a dropped database, a full disk
        reason = db_reason(e)
        print(
            f"fauxforce run: error: the warehouse {warehouse} failed during the run ({reason}); every batch "
            "is whole or absent, so run again once it is back",
            file=sys.stderr,
        )
        return 1
    except OSError as e:  # the landing folder went away or the disk filled mid-run
        path = f" ({e.filename})" if e.filename else ""
        print(f"fauxforce run: error: {e.strerror or e}{path}; run again once it is fixed", file=sys.stderr)
        return 1
    seconds = time.perf_counter() - started
    landed = sum(summary.bronze_rows.values())
    live = (("Salesforce", source == "salesforce"), ("the ERP database", erp_source == "erp-sql"))
    where = [name for name, on in live if on]
    where += [str(landing)] if "csv" in (source, erp_source) else []
    print(f"bronze: {landed:,} new rows from {' and '.join(where)}")
    wh = Warehouse(run.warehouse)
    try:
        bad_files = ledger.quarantined_files(wh, since=started_at)
    finally:
        wh.dispose()
    for obj, _, reason in bad_files:
        print(f"  {obj}: file quarantined, nothing of it landed: {reason}")
    if bad_files:
        print(f"  ({len(bad_files)} in meta.quarantined_files; fix them and export again: a changed file is read)")
    skipped = FileConnector(landing).skipped() if "csv" in (source, erp_source) else []
    if skipped:
        print(f"  skipped {len(skipped)} entries of {landing} (see docs/pipeline.md, 'The landing folder'):")
        for path, reason in skipped[:10]:
            print(f"    {path}: {reason}")
        if len(skipped) > 10:
            print(f"    … and {len(skipped) - 10} more (the load-bronze run's artifact lists them all)")
    print(
        f"silver: {summary.batches} batches, {summary.silver_loaded:,} rows loaded "
        f"({summary.silver_flagged:,} flagged), {summary.silver_quarantined:,} quarantined, "
        f"{summary.silver_duplicates:,} duplicates"
    )
    if summary.flags:
        shown = ", ".join(f"{check} {n:,}" for check, n in sorted(summary.flags.items(), key=lambda kv: -kv[1]))
        print(f"  flags: {shown} (each in meta.flags with its record, column and value)")
    for obj in summary.bronze_only:
        print(f"  {obj}: stays in bronze (an ERP table silver has no key for)")
    for obj, examples in summary.quarantine_examples.items():
        print(f"  {obj}: quarantined, e.g.")
        for example in examples:
            print(f"    {example}")
    if summary.silver_quarantined:
        print(f"  {FIX_HINT}")
    h = summary.headline
    print(
        f"gold: {len(summary.gold_tables)} tables ({summary.gold_writes}), {summary.gold_checks} checks passed, "
        f"as of {h.get('as_of_date')}"
    )
    if summary.gold_unresolved:
        loose = list(summary.gold_unresolved.items())
        shown = ", ".join(f"{link} {n:,}" for link, n in loose[:3]) + (
            f", … {len(loose) - 3} more" if len(loose) > 3 else ""
        )
        print(f"  records whose link finds nothing, counted as unknown: {shown} (gold.reconciliation)")
    if h:
        print(
            f"  bookings {h['fiscal_period']} {h['bookings_this_quarter']:,.0f}, open pipeline "
            f"{h['open_pipeline']:,.0f} "
            f"(weighted {h['weighted_pipeline']:,.0f}), win rate {float(h['win_rate_by_count'] or 0):.1%}"
        )
        print(
            f"  {h['stock_positions_at_risk']:,} stock positions at risk of stock-out, "
            f"{h['customers_exposed_to_stockout']:,} customers exposed"
        )
    if summary.reader_copy:
        print(f"reader copy {summary.reader_copy} (open it any time; each run replaces it whole)")
    if summary.report:
        print(f"report {summary.report}")
    elif summary.report_error:
        print(f"report not written: {summary.report_error}")
    print(f"warehouse {warehouse} in {seconds:.1f}s")
    if ui:
        print(f"prefect {ui}/runs (a local server, kept for {run.prefect_server_idle:g} min after the last run)")
    return 0


def _read_warehouse(command: str, url: str | None) -> Warehouse | None:
    """The warehouse opened for reading, or None after printing why it cannot be."""
    from fauxforce.core.warehouse import Warehouse, WarehouseError

    try:
        return Warehouse(resolve(warehouse=url).warehouse, read_only=True)
    except WarehouseError as e:
        print(f"fauxforce {command}: error: {e}", file=sys.stderr)
        return None


def _report(args: argparse.Namespace) -> int:
    from sqlalchemy.exc import DBAPIError

    from fauxforce.core.warehouse import WarehouseError, db_reason
    from fauxforce.report import ReportError, write_report

    out = args.out or resolve().report or Path("data/report.html")
    wh = _read_warehouse("report", args.warehouse)
    if wh is None:
        return 1
    started = time.perf_counter()
    try:
        result = write_report(wh, out, maintenance=resolve().maintenance)
    except (ReportError, WarehouseError) as e:
        print(f"fauxforce report: error: {e}", file=sys.stderr)
        return 1
    except DBAPIError as e:
        print(f"fauxforce report: error: cannot read the warehouse {wh}: {db_reason(e)}", file=sys.stderr)
        return 1
    except OSError as e:
        print(f"fauxforce report: error: cannot write {out}: {e.strerror or e}", file=sys.stderr)
        return 1
    finally:
        wh.dispose()
    print(
        f"report {result.path}: gold as of {result.as_of}, {result.charts} charts, {result.bytes / 1e6:.1f} MB, "
        f"{time.perf_counter() - started:.1f}s"
    )
    return 0


def _status(args: argparse.Namespace) -> int:
    from sqlalchemy.exc import DBAPIError

    from fauxforce.core.warehouse import db_reason
    from fauxforce.report.status import status

    wh = _read_warehouse("status", args.warehouse)
    if wh is None:
        return 1
    try:
        lines = status(wh, runs=args.runs, windows=resolve().maintenance).lines()
    except DBAPIError as e:
        print(f"fauxforce status: error: cannot read the warehouse {wh}: {db_reason(e)}", file=sys.stderr)
        return 1
    finally:
        wh.dispose()
    print("\n".join(lines))
    return 0


def _server(args: argparse.Namespace) -> int:
    from fauxforce.core import local_server

    home = local_server.prefect_home()
    if args.action == "stop":
        stopped = local_server.stop(home)
        print(f"stopped the local Prefect server at {stopped.ui}" if stopped else "no local Prefect server is running")
        return 0
    server = local_server.status(home)
    if server is None:
        print(f"no local Prefect server is running (Prefect home {home}); `fauxforce run` starts one")
    else:
        idle = f"{server.idle / 60:g} min"
        print(f"local Prefect server at {server.ui} (API {server.url}), stops after {idle} without a run")
    return 0


@contextlib.contextmanager
def _prefect_api(run: RunSettings) -> Iterator[str | None]:
    """The Prefect API this run's flows report to: the configured one, else the local server (started if it is
    not up, and held for the block); None where Prefect starts its own temporary server."""
    from prefect.settings import PREFECT_API_URL, PREFECT_FLOWS_HEARTBEAT_FREQUENCY, temporary_settings

    from fauxforce.core import local_server

    configured = PREFECT_API_URL.value()
    if configured or run.prefect_server == "temporary":
        yield None
        return
    # No flow run heartbeats: the local server runs no services, so nothing reads them, and each flow's end
    # waits up to a second for its heartbeat thread (four flows a run).
    no_heartbeats = {PREFECT_FLOWS_HEARTBEAT_FREQUENCY: None}
    with (
        local_server.in_use(local_server.prefect_home(), idle=run.prefect_server_idle * 60) as server,
        temporary_settings(updates={PREFECT_API_URL: server.url, **no_heartbeats}),
    ):
        yield server.ui


def _profile(args: argparse.Namespace) -> int:
    from fauxforce.profile import ProfileError, as_json, profile, render

    try:
        kind, profiles = profile(args.generated, args.reference)
    except ProfileError as e:
        print(f"fauxforce profile: error: {e}", file=sys.stderr)
        return 2
    print(as_json(kind, profiles) if args.json else "\n".join(render(kind, profiles)))
    return 0


def _load_org(args: argparse.Namespace) -> int:
    from fauxforce.connectors.salesforce import SalesforceConnector, SalesforceSourceError, remaining_calls
    from fauxforce.core.warehouse import Warehouse, WarehouseError
    from fauxforce.writeback import load

    if args.rows_per_job < 1:
        print("fauxforce load-org: error: --rows-per-job must be at least 1", file=sys.stderr)
        return 2
    objects = [o.strip() for o in args.objects.split(",") if o.strip()] if args.objects else None
    started = time.perf_counter()
    try:
        sf = SalesforceConnector()
        plan = load.prepare(args.export, sf, objects, args.anchor_date)
        wh = Warehouse(resolve(warehouse=args.warehouse).warehouse)
        loader = load.Loader(sf, wh, rows_per_job=args.rows_per_job, report=_load_line)
        print(f"loading {args.export} into the org at {sf.client().sf_instance}")
        for line in _plan_lines(plan):
            print(line)
        if args.dry_run:
            used, allowed = remaining_calls(sf)
            rows = load.dry_run(loader, plan)
            for r in rows:
                print(
                    f"  {r.object:<24} {r.step:<7} {r.records:>9,}: {r.create:,} to create, {r.update:,} to update, "
                    f"{r.unchanged:,} unchanged ({r.jobs} job{'s' * (r.jobs != 1)})"
                )
            calls = sum(r.jobs for r in rows) * load.CALLS_PER_JOB
            left = allowed - used
            verdict = "fits" if calls + load.RESERVE_CALLS <= left else "is MORE than the org has left: it would stop"
            print(f"dry run: about {calls:,} API calls, which {verdict} ({left:,} of {allowed:,} left today)")
            return 0
        results = loader.run(plan)
    except (load.LoadError, SalesforceSourceError, WarehouseError) as e:
        print(f"fauxforce load-org: error: {e}", file=sys.stderr)
        return 1
    seconds = time.perf_counter() - started
    sent = sum(r.sent for r in results)
    landed = sum(r.created + r.updated for r in results)
    missed = sum(r.not_landed for r in results)
    calls = sum(r.api_calls for r in results)
    print(
        f"sent {sent:,} records in {sum(r.jobs for r in results)} jobs ({calls:,} API calls) in {seconds:.1f}s: "
        f"{landed:,} landed, {sum(r.unchanged for r in results):,} unchanged since they last landed"
    )
    if missed:
        print(
            f"fauxforce load-org: error: {missed:,} records did not land (see meta.load_rows); running again sends "
            "only them",
            file=sys.stderr,
        )
        return 1
    return 0


def _sync(args: argparse.Namespace) -> int:
    from fauxforce.connectors.salesforce import SalesforceConnector, SalesforceSourceError
    from fauxforce.core.settings import get_settings
    from fauxforce.core.warehouse import Warehouse, WarehouseError
    from fauxforce.writeback import load, sync

    started = time.perf_counter()
    try:
        entries = sync.read_mapping(args.mapping or get_settings().sync_mapping)
        wh = Warehouse(resolve(warehouse=args.warehouse).warehouse)
        sf = SalesforceConnector()
        loader = load.Loader(sf, wh, report=_load_line)
        if args.dry_run:
            sync.check_org(sf, entries)
            for e in entries:
                header, rows = sync.rows_of(wh, e)
                todo = loader.pending(e.target, e.step, header, rows)
                print(f"  {e.name}: {len(todo):,} of {len(rows):,} {e.object} rows changed since they last landed")
            return 0
        print(f"syncing gold to the org at {sf.client().sf_instance}")
        results = sync.sync(sf, wh, entries, loader)
    except (load.LoadError, SalesforceSourceError, WarehouseError) as e:
        print(f"fauxforce sync: error: {e}", file=sys.stderr)
        return 1
    missed = sum(r.not_landed for r in results)
    print(
        f"sent {sum(r.sent for r in results):,} rows in {time.perf_counter() - started:.1f}s, "
        f"{sum(r.unchanged for r in results):,} unchanged"
    )
    if missed:
        print(
            f"fauxforce sync: error: {missed:,} rows did not land (see meta.load_rows); the next sync sends them",
            file=sys.stderr,
        )
        return 1
    return 0


def _plan_lines(plan: load_plan) -> list[str]:
    """What the plan leaves behind, and why: one line per reason."""
    lines = [f"  not loaded: {name} ({why})" for name, why in plan.skipped.items()]
    reasons: dict[str, list[str]] = {}
    for o in plan.objects:
        for f, why in o.left_out.items():
            reasons.setdefault(why, []).append(f"{o.name}.{f}")
        if o.deleted:
            lines.append(f"  {o.name}: {o.deleted:,} deleted records are not loaded")
        if o.without_id:
            lines.append(f"  {o.name}: {o.without_id:,} rows without an Id are not loaded (nothing to key them by)")
        if o.repeated:
            lines.append(f"  {o.name}: {o.repeated:,} rows repeat an earlier row's Id; the last of each is loaded")
        for f, n in o.dangling.items():
            lines.append(f"  {o.name}.{f}: {n:,} values name no loaded record and are left empty")
        if o.links:
            lines.append(f"  {o.name}: {', '.join(o.links)} written in a second step (they form a cycle)")
    for why, fields in reasons.items():
        shown = ", ".join(fields[:6]) + (f" and {len(fields) - 6} more" if len(fields) > 6 else "")
        lines.append(f"  left out ({why}): {shown}")
    if plan.shift_days:
        lines.append(f"  dates moved by {plan.shift_days:+,} days (the export is as of {plan.as_of})")
    return lines


def _load_line(r: load_result) -> None:
    errors = ", ".join(f"{code} ×{n}" for code, n in sorted(r.errors.items()))
    states = ", ".join(s for s in r.job_states if s != "JobComplete")
    print(
        f"  {r.object:<24} {r.step:<7} {r.sent:>9,} sent {r.created:>9,} created {r.updated:>8,} updated "
        f"{r.failed:>6,} failed {r.unprocessed:>6,} unprocessed {r.unchanged:>9,} unchanged  {r.seconds:.1f}s"
        + (f"  [{errors}]" if errors else "")
        + (f"  job {states}" if states else ""),
        flush=True,
    )


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    commands = {
        "generate": _generate,
        "run": _run,
        "report": _report,
        "status": _status,
        "doctor": _doctor,
        "server": _server,
        "mock-salesforce": _mock_salesforce,
        "profile": _profile,
        "load-org": _load_org,
        "sync": _sync,
    }
    try:
        return commands[args.command](args)
    except (SettingsError, MaintenanceError) as e:  # an unusable environment variable or .env: one line
        print(f"fauxforce {args.command}: error: {e}", file=sys.stderr)
        return 2
    except BrokenPipeError:  # the reader went away (`fauxforce run | head`): stop quietly, as other tools do
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # nothing left to flush at exit
        return 1


if __name__ == "__main__":
    raise SystemExit(main())
