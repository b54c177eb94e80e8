"""`fauxforce load-org`: push an export (a generated org, a twin, any folder of `salesforce/<Object>.csv`) into
an org through Bulk API 2.0 ingest jobs, upserting every record by an external id field.

How an export becomes jobs (`plan`):
- Objects: those of the export the org can create records of, except the org's own set-up (users, groups,
  record types, currencies: `SETUP_OBJECTS`, which `objects=` can still name); deleted records stay behind.
- Each record's external id (by default `Fauxforce_Id__c`, `FAUXFORCE_SALESFORCE_EXTERNAL_ID`) is its Id in
  the export, so no Salesforce Id is needed up front and a record keeps its key from one load to the next.
- Fields: those the org's describe says it takes on create; audit fields, formulas, roll-ups and fields the
  org lacks are left out, each with its reason in the plan.
- References to loaded objects become relationship columns (`Account.Fauxforce_Id__c`; per type for a
  polymorphic field: `Contact:Who.Fauxforce_Id__c`); references to objects not loaded (owners, record types)
  are left out for the org to fill. Parents go before children; the references that make a cycle (a
  self-lookup such as Account.ParentId, or a loop of lookups) are written in a second step, `links`.
- `anchor` shifts every date and datetime by the days between the export's as-of date and the anchor.

How jobs run (`load`): one object at a time in dependency order, in jobs of at most `rows_per_job` records.
Each job's three result sets come back unordered, so rows are matched to what was sent by external id, never by
position; every record's outcome goes to `meta.load_rows` with a fingerprint of what was sent, each job to
`meta.load_jobs`. A record whose last write landed with the same fingerprint is not sent again: a re-run after
failed rows, an aborted job or a used-up API limit sends only what did not land, and never duplicates (the
upsert matches the external id). Before each job the org's remaining API allowance is checked against what the
job costs; the load stops cleanly before one it could not finish.
"""

from __future__ import annotations

import csv
import datetime as dt
import functools
import graphlib
import hashlib
import io
import itertools
import json
import logging
import re
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from fnmatch import fnmatchcase
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.csv as pacsv

from fauxforce.connectors.salesforce import Ingest, IngestOutcome, SalesforceConnector, remaining_calls
from fauxforce.core import describe, ledger
from fauxforce.core.salesforce import to_18
from fauxforce.core.warehouse import Warehouse

log = logging.getLogger("fauxforce.load_org")

SETUP_OBJECTS = ("User", "Group", "RecordType", "UserRole", "Profile", "CurrencyType", "DatedConversionRate")
NULL = "#N/A"  # how a Bulk API job sets a field to null (an empty value leaves the field as it was)
CALLS_PER_JOB = 9  # the allowance check, create, upload, close, two status checks, three result sets
RESERVE_CALLS = 10  # left to the org's other users when deciding whether a job fits the allowance
MAX_JOB_BYTES = 90 * 1024 * 1024  # an upload may be 100 MB (as base64 for Bulk API 2.0 it is 150 MB of CSV)
MANIFEST = "manifest.json"
STAMPS = ("SystemModstamp", "LastModifiedDate", "CreatedDate")


class LoadError(RuntimeError):
    """The load cannot start or go on: one line saying why and what to do."""


class LoadStopped(LoadError):
    """The load stopped before a job the org's API allowance could not pay for; what landed stays."""


@dataclass(frozen=True)
class Target:
    """What a job writes: an object, the key its rows are matched by (the first column sent), and how."""

    obj: str
    key: str  # an external id field (upsert), or Id (update, delete)
    operation: str = "upsert"


@dataclass
class ObjectPlan:
    name: str
    key: str  # the org's external id field this object is upserted by
    fields: list[str]  # plain fields sent
    refs: dict[str, list[tuple[str, str]]]  # reference field → [(target object, column)] in the first step
    links: dict[str, list[tuple[str, str]]]  # reference field → [(target object, column)] in the `links` step
    rows: list[dict[str, str]]  # the export's records (deleted ones excluded)
    left_out: dict[str, str] = field(default_factory=dict)  # field → why it is not sent
    dangling: dict[str, int] = field(default_factory=dict)  # reference field → values naming no loaded record
    deleted: int = 0
    without_id: int = 0  # records with no Id: nothing to key them by, so not loaded
    repeated: int = 0  # records whose Id an earlier row of the file already had: the last one is loaded
    shift: dict[str, str] = field(default_factory=dict)  # field → date or datetime, when anchored

    @property
    def target(self) -> Target:
        return Target(self.name, self.key)


@dataclass
class Plan:
    objects: list[ObjectPlan]  # in load order
    skipped: dict[str, str]  # export object → why it is not loaded
    owner_of: dict[str, str]  # export Id → object, for references
    shift_days: int = 0
    as_of: str | None = None


@dataclass
class StepResult:
    object: str
    step: str
    sent: int = 0
    unchanged: int = 0
    created: int = 0
    updated: int = 0
    failed: int = 0
    unprocessed: int = 0
    jobs: int = 0
    api_calls: int = 0
    seconds: float = 0.0
    errors: dict[str, int] = field(default_factory=dict)  # sf__Error (code and message) → records
    job_states: list[str] = field(default_factory=list)

    @property
    def not_landed(self) -> int:
        return self.failed + self.unprocessed


def external_ids(text: str) -> tuple[str, dict[str, str]]:
    """`"Fauxforce_Id__c,Account=Legacy_Id__c"` → (the default field, {object: field})."""
    default, per_object = "", {}
    for item in (p.strip() for p in text.split(",")):
        if not item:
            continue
        name, _, value = item.partition("=")
        if not re.fullmatch(r"\w+", (value or name).strip()):
            raise LoadError(f"FAUXFORCE_SALESFORCE_EXTERNAL_ID: {item!r} is not <Field> or <Object>=<Field>")
        if value:
            per_object[name.strip()] = value.strip()
        else:
            default = name.strip()
    if not default:
        raise LoadError("FAUXFORCE_SALESFORCE_EXTERNAL_ID names no default field, e.g. Fauxforce_Id__c")
    return default, per_object


def read_export(folder: Path) -> dict[str, tuple[list[str], list[dict[str, str]]]]:
    """Each `salesforce/<Object>.csv` of an export (or `<Object>.csv` of a folder without `salesforce/`, as the
    Salesforce CLI writes one): its header and its records as text ("" for empty)."""
    where = folder / "salesforce" if (folder / "salesforce").is_dir() else folder
    files = sorted(where.glob("*.csv"))
    if not files:
        raise LoadError(f"{where} holds no <Object>.csv files to load")
    out = {}
    for path in files:
        try:
            header = pacsv.open_csv(path).schema.names
            data = pacsv.read_csv(
                path,
                convert_options=pacsv.ConvertOptions(
                    column_types={n: pa.string() for n in header}, strings_can_be_null=False
                ),
            )
        except (pa.ArrowInvalid, OSError) as e:
            raise LoadError(f"{path} cannot be read: {str(e).splitlines()[0]}") from None
        if "Id" not in header:
            raise LoadError(f"{path} has no Id column: each record's Id is the external id it is loaded by")
        out[path.stem] = (header, data.to_pylist())
    return out


def export_as_of(folder: Path, export: dict[str, tuple[list[str], list[dict[str, str]]]]) -> str | None:
    """The export's as-of date: its manifest's, else the latest audit stamp in its files."""
    manifest = folder / MANIFEST
    if manifest.is_file():
        with manifest.open(encoding="utf-8") as f:
            value = json.load(f).get("as_of")
        if value:
            return str(value)
    stamps = [r[s][:10] for _, rows in export.values() for r in rows for s in STAMPS if r.get(s)]
    return max(stamps) if stamps else None


def plan(
    export: dict[str, tuple[list[str], list[dict[str, str]]]],
    describes: dict[str, dict[str, Any]],
    keys: tuple[str, dict[str, str]],
    objects: list[str] | None = None,
    shift_days: int = 0,
) -> Plan:
    """What to send: objects in dependency order, the columns of each, and what is left out and why.
    `describes` are the org's, for the export's objects it has."""
    default_key, key_of = keys
    skipped: dict[str, str] = {}
    chosen: list[str] = []
    for name in export:
        d = describes.get(name)
        if objects is not None and not any(fnmatchcase(name, p) for p in objects):
            skipped[name] = "not selected"
        elif d is None:
            skipped[name] = "the org has no such object"
        elif objects is None and name in SETUP_OBJECTS:
            skipped[name] = "the org's own set-up; name it in --objects to load it"
        elif not d.get("createable", True) or describe.READ_ONLY_OBJECTS.fullmatch(name):
            skipped[name] = "the org writes it itself"
        else:
            chosen.append(name)
    missing = [n for n in chosen if not _is_key(describes[n], key_of.get(n, default_key))]
    if missing:
        fields = sorted({key_of.get(n, default_key) for n in missing})
        raise LoadError(
            f"{', '.join(missing)} {'has' if len(missing) == 1 else 'have'} no external id field "
            f"{' / '.join(fields)}: create a Text(18) field marked External ID and Unique on each (or name yours in "
            "FAUXFORCE_SALESFORCE_EXTERNAL_ID)"
        )
    live = {name: _records(export[name][1]) for name in chosen}
    owner_of = {r["Id"]: name for name in chosen for r in live[name][0]}
    plans: dict[str, ObjectPlan] = {}
    edges: dict[str, dict[str, set[str]]] = {}  # object → reference field → loaded targets
    for name in chosen:
        header = export[name][0]
        entries = {f["name"]: f for f in describe.with_write_facts(name, describes[name].get("fields") or [])}
        key = key_of.get(name, default_key)
        p = ObjectPlan(name, key, [], {}, {}, live[name][0])
        p.deleted, p.without_id, p.repeated = live[name][1:]
        either = describe.EITHER_OR.get(name)
        for column in header:
            e = entries.get(column)
            if column == "Id" or column == key:
                continue
            if e is None:
                p.left_out[column] = "the org has no such field"
            elif not e.get("createable"):
                p.left_out[column] = "the org sets it"
            elif either and column == either[1] and either[0] in header:
                p.left_out[column] = f"the org derives it from {either[0]}"
            elif e.get("type") == "reference":
                targets = [t for t in e.get("referenceTo") or [] if t in chosen]
                if not e.get("referenceTo"):
                    p.left_out[column] = "the org's describe names no object it points at"
                elif not targets:
                    p.left_out[column] = f"{'/'.join(e['referenceTo'])} is not loaded: the org fills it"
                elif not e.get("relationshipName"):
                    p.left_out[column] = "the org's describe names no relationship to write it through"
                else:
                    edges.setdefault(name, {})[column] = set(targets)
                    dangling = sum(1 for r in p.rows if r.get(column) and owner_of.get(id18(r[column])) not in targets)
                    if dangling:
                        p.dangling[column] = dangling
                    rel, poly = e["relationshipName"], len(e.get("referenceTo") or []) > 1
                    p.refs[column] = [
                        (
                            t,
                            f"{t}:{rel}.{key_of.get(t, default_key)}"
                            if poly
                            else f"{rel}.{key_of.get(t, default_key)}",
                        )
                        for t in targets
                    ]
            else:
                p.fields.append(column)
                if shift_days and e.get("type") in ("date", "datetime"):
                    p.shift[column] = str(e["type"])
        plans[name] = p
    for name, field_name in _deferred(edges, {n: describes[n] for n in chosen}):
        plans[name].links[field_name] = plans[name].refs.pop(field_name)
    graph = {n: {t for f, ts in edges.get(n, {}).items() if f in plans[n].refs for t in ts} for n in chosen}
    order = list(graphlib.TopologicalSorter(graph).static_order())
    return Plan([plans[n] for n in order], skipped, owner_of, shift_days)


def id18(value: str) -> str:
    """A 15-character Id in its 18-character form (exports mix both), anything else as it is."""
    if len(value) == 15 and value.isalnum() and value.isascii():
        return to_18(value)
    return value


def _records(rows: list[dict[str, str]]) -> tuple[list[dict[str, str]], int, int, int]:
    """The records to load (not deleted, with an Id, the last row of each Id, Ids in 18 characters), and how many
    rows were deleted, without an Id, and repeats of an Id."""
    by_id: dict[str, dict[str, str]] = {}
    deleted = without_id = repeated = 0
    for r in rows:
        if r.get("IsDeleted", "").strip().lower() in ("true", "1"):
            deleted += 1
        elif not r.get("Id", "").strip():
            without_id += 1
        else:
            key = id18(r["Id"].strip())
            repeated += key in by_id
            by_id[key] = r | {"Id": key}
    return list(by_id.values()), deleted, without_id, repeated


def _is_key(d: dict[str, Any], name: str) -> bool:
    entry = next((f for f in d.get("fields") or [] if f["name"] == name), None)
    return entry is not None and bool(entry.get("externalId") or entry.get("idLookup"))


def _deferred(edges: dict[str, dict[str, set[str]]], describes: dict[str, dict[str, Any]]) -> list[tuple[str, str]]:
    """The reference fields written in the `links` step: self-references, and in each cycle of lookups the
    fields that may be empty (a record is created without them, then linked)."""
    out = [(n, f) for n, fs in edges.items() for f, ts in fs.items() if n in ts]
    taken = set(out)
    while True:
        graph = {n: {t for f, ts in fs.items() if (n, f) not in taken for t in ts if t != n} for n, fs in edges.items()}
        try:
            graphlib.TopologicalSorter(graph).prepare()
            return out
        except graphlib.CycleError as e:
            cycle: list[str] = e.args[1]
            nillable = {
                (a, f)
                for a, b in itertools.pairwise(cycle)
                for f, ts in edges.get(a, {}).items()
                if b in ts and (a, f) not in taken and _nillable(describes[a], f)
            }
            if not nillable:
                raise LoadError(f"the lookups {' → '.join(cycle)} form a cycle of required fields") from None
            out += sorted(nillable)
            taken |= nillable


def _nillable(d: dict[str, Any], name: str) -> bool:
    return bool(next((f.get("nillable", True) for f in d.get("fields") or [] if f["name"] == name), True))


# ---- rows as sent --------------------------------------------------------------------------------------


def shifted(value: str, kind: str, days: int) -> str:
    """A date or datetime moved by `days` (text as the export wrote it; anything else unchanged)."""
    if not value or not days:
        return value
    try:
        if kind == "date":
            return (dt.date.fromisoformat(value[:10]) + dt.timedelta(days=days)).isoformat()
        stamp = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return value  # not a date: sent as it is, and the org says what it makes of it
    moved = (stamp + dt.timedelta(days=days)).astimezone(dt.UTC)
    return moved.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moved.microsecond // 1000:03d}Z"


def step_rows(p: ObjectPlan, step: str, owner_of: dict[str, str], shift_days: int) -> tuple[list[str], list[list[str]]]:
    """The header and rows one step sends for an object: the first step every record, with its fields and its
    first-step references; `links` the records with a value in a deferred reference, with just those."""
    refs = p.refs if step == "records" else p.links
    header = [p.key] + (p.fields if step == "records" else [])
    header += [column for targets in refs.values() for _, column in targets]
    rows = []
    for r in p.rows:
        if step == "links" and not any(r.get(f) for f in refs):
            continue
        out = [r["Id"]]  # 18 characters, as `_records` made it
        if step == "records":
            out += [shifted(r.get(f, ""), p.shift[f], shift_days) if f in p.shift else r.get(f, "") for f in p.fields]
        for f, targets in refs.items():
            value = id18(r.get(f, ""))
            owner = owner_of.get(value)
            out += [value if owner == t else "" for t, _ in targets]
        rows.append(out)
    return header, rows


def fingerprint(header: list[str], row: list[str]) -> str:
    return hashlib.sha256("\x1f".join([*header, "\x1e", *row]).encode()).hexdigest()[:32]


def csv_text(header: list[str], rows: Iterable[list[str]]) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buf.getvalue()


def chunks(header: list[str], rows: list[list[str]], rows_per_job: int) -> Iterable[list[list[str]]]:
    """Rows in jobs of at most `rows_per_job` records and `MAX_JOB_BYTES` of CSV."""
    size, batch = 0, list[list[str]]()
    for row in rows:
        length = sum(len(v) + 3 for v in row)
        if batch and (len(batch) >= rows_per_job or size + length > MAX_JOB_BYTES):
            yield batch
            size, batch = 0, []
        batch.append(row)
        size += length
    if batch:
        yield batch


# ---- running the plan ------------------------------------------------------------------------------------


class Loader:
    """Runs a plan's jobs against one org, recording every job and record in the warehouse's ledger."""

    def __init__(
        self,
        connector: SalesforceConnector,
        wh: Warehouse,
        rows_per_job: int = 50_000,
        poll: float = 1.0,
        report: Callable[[StepResult], None] | None = None,
    ) -> None:
        self.sf, self.wh = connector, wh
        self.ingest = Ingest(connector, poll)
        self.rows_per_job = rows_per_job
        self.report = report or (lambda _: None)
        ledger.prepare(wh)

    @functools.cached_property
    def org(self) -> str:
        """The org written to, as the ledger keys it: its Id (the session's first part), else its instance."""
        client = self.sf.client()
        org_id = str(client.session_id).split("!")[0]
        return org_id if re.fullmatch(r"00D\w{12,15}", org_id) else str(client.sf_instance)

    def pending(self, target: Target, step: str, header: list[str], rows: list[list[str]]) -> list[list[str]]:
        """The rows (keyed by their first value) whose last write in `step` did not land with this fingerprint."""
        with self.wh.engine.connect() as conn:
            landed = ledger.landed_rows(conn, self.org, target.obj, step)
        return [r for r in rows if landed.get(r[0]) != fingerprint(header, r)]

    def run(self, plan: Plan) -> list[StepResult]:
        results = []
        for step in ("records", "links"):
            for p in plan.objects:
                if step == "links" and not p.links:
                    continue
                results.append(self.send(p, step, plan))
        return results

    def send(self, p: ObjectPlan, step: str, plan: Plan) -> StepResult:
        header, rows = step_rows(p, step, plan.owner_of, plan.shift_days)
        return self.send_rows(p.target, step, header, rows)

    def send_rows(self, target: Target, step: str, header: list[str], rows: list[list[str]]) -> StepResult:
        """Send the rows that have not landed as they are now, in jobs; record each job and record."""
        started = time.perf_counter()
        repeated = len(rows) - len({r[0] for r in rows})
        if repeated:
            raise LoadError(
                f"{target.obj} ({step}): {repeated:,} rows repeat another row's {header[0]}; a record takes one row "
                "per job, so make the key unique (for sync: a `where`, or a unique `match` column)"
            )
        result = StepResult(target.obj, step)
        todo = self.pending(target, step, header, rows)
        result.unchanged = len(rows) - len(todo)
        for batch in chunks(header, todo, self.rows_per_job):
            self._check_allowance(target.obj, step, result)
            self._job(target, step, header, batch, result)
        result.seconds = time.perf_counter() - started
        self.report(result)
        return result

    def _check_allowance(self, obj: str, step: str, result: StepResult) -> None:
        used, allowed = remaining_calls(self.sf)
        result.api_calls += 1
        if allowed and allowed - used < CALLS_PER_JOB + RESERVE_CALLS:
            raise LoadStopped(
                f"stopped before {obj} ({step}): the org has {allowed - used:,} of its {allowed:,} daily API calls "
                f"left and a job needs about {CALLS_PER_JOB} (keeping {RESERVE_CALLS} for others); what landed is "
                "in meta.load_rows, and running again once the allowance is back sends only the rest"
            )

    def _job(self, target: Target, step: str, header: list[str], batch: list[list[str]], result: StepResult) -> None:
        at = dt.datetime.now(dt.UTC)
        key = target.key if target.operation == "upsert" else None
        outcome = self.ingest.run(target.obj, target.operation, csv_text(header, batch), external_id=key)
        sent = {r[0]: fingerprint(header, r) for r in batch}
        rows = self._outcomes(header[0], sent, outcome)
        finished = dt.datetime.now(dt.UTC)
        where = {"org": self.org, "object": target.obj, "step": step, "job_id": outcome.job_id}
        with self.wh.engine.begin() as conn:
            ledger.record_load_job(
                conn,
                where
                | {
                    "operation": target.operation,
                    "state": outcome.state,
                    "rows_sent": len(batch),
                    "rows_processed": outcome.processed,
                    "rows_failed": outcome.failed,
                    "rows_unprocessed": sum(1 for r in rows if r["outcome"] == "unprocessed"),
                    "api_calls": outcome.api_calls,
                    "error": outcome.error,
                    "started_at": at,
                    "finished_at": finished,
                },
            )
            table = pa.Table.from_pylist(
                [where | {"written_at": finished} | r for r in rows],
                schema=pa.schema(
                    [
                        (n, pa.timestamp("us", tz="UTC") if n == "written_at" else pa.string())
                        for n, _ in ledger.LOAD_ROW_COLUMNS
                    ]
                ),
            )
            ledger.record_load_rows(self.wh, conn, table)
        result.sent += len(batch)
        result.jobs += 1
        result.api_calls += outcome.api_calls
        result.job_states.append(outcome.state)
        for r in rows:
            setattr(result, r["outcome"], getattr(result, r["outcome"]) + 1)
            if r["error"]:
                code = r["error"].split(":")[0]
                result.errors[code] = result.errors.get(code, 0) + 1
        if outcome.limit_reached:
            self.report(result)
            raise LoadStopped(
                f"the org's API limit ran out during a {target.obj} job ({step}); its records are recorded as not "
                "landed and are sent again (never duplicated) when running again once the allowance is back"
            )

    @staticmethod
    def _outcomes(key: str, sent: dict[str, str], outcome: IngestOutcome) -> list[dict[str, Any]]:
        """Each sent record's outcome, matched by its external id in the job's (unordered) results; a record in
        none of them is recorded as not landed, never assumed to have."""
        found: dict[str, dict[str, Any]] = {}
        for r in outcome.results.get("successfulResults", []):
            created = str(r.get("sf__Created", "")).lower() == "true"
            found[r[key]] = {"outcome": "created" if created else "updated", "sf_id": r.get("sf__Id"), "error": None}
        for r in outcome.results.get("failedResults", []):
            found[r[key]] = {"outcome": "failed", "sf_id": r.get("sf__Id") or None, "error": r.get("sf__Error")}
        for r in outcome.results.get("unprocessedrecords", []):
            found[r[key]] = {"outcome": "unprocessed", "sf_id": None, "error": outcome.error}
        reason = outcome.error or f"not in the results of job {outcome.job_id} ({outcome.state})"
        return [
            {"external_id": k, "fingerprint": fp}
            | found.get(k, {"outcome": "unprocessed", "sf_id": None, "error": reason})
            for k, fp in sent.items()
        ]


# ---- the command's work --------------------------------------------------------------------------------


def org_describes(sf: SalesforceConnector, names: Iterable[str]) -> dict[str, dict[str, Any]]:
    """The org's describe of each named object it has (describe global once, then one call per object)."""
    have = {o["name"]: o for o in sf._global().get("sobjects", [])}
    return {name: sf._describe(name) for name in names if name in have}


def prepare(
    folder: Path,
    sf: SalesforceConnector,
    objects: list[str] | None = None,
    anchor: dt.date | None = None,
) -> Plan:
    """The plan for loading `folder` into the org `sf` points at, anchored when asked."""
    export = read_export(folder)
    as_of = export_as_of(folder, export)
    shift_days = 0
    if anchor is not None:
        if as_of is None:
            raise LoadError(f"{folder} has no manifest and no audit dates: --anchor-date has nothing to move from")
        shift_days = (anchor - dt.date.fromisoformat(as_of[:10])).days
    keys = external_ids(sf.settings.salesforce_external_id)
    result = plan(export, org_describes(sf, export), keys, objects, shift_days)
    result.as_of = as_of
    return result


@dataclass
class DryRun:
    object: str
    step: str
    records: int
    create: int
    update: int
    unchanged: int
    jobs: int


def dry_run(loader: Loader, p: Plan) -> list[DryRun]:
    """What a load would do, per object and step, without writing: records to create (their external id is not
    in the org), to update (it is), and unchanged since they last landed (the ledger says so)."""
    out = []
    for step in ("records", "links"):
        for o in p.objects:
            if step == "links" and not o.links:
                continue
            header, rows = step_rows(o, step, p.owner_of, p.shift_days)
            todo = loader.pending(o.target, step, header, rows)
            unchanged = len(rows) - len(todo)
            in_org: set[str] = set()
            if todo and step == "records":
                soql = f"SELECT {o.key} FROM {o.name} WHERE {o.key} != null"
                in_org = {str(r[o.key]) for r in loader.sf._records(soql)}
            # a `links` step updates records the first step creates
            update = len(todo) if step == "links" else sum(1 for r in todo if r[0] in in_org)
            jobs = sum(1 for _ in chunks(header, todo, loader.rows_per_job))
            out.append(DryRun(o.name, step, len(todo) + unchanged, len(todo) - update, update, unchanged, jobs))
    return out
