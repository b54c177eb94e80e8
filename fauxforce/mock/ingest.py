"""The mock org's Bulk API 2.0 ingest jobs: what `fauxforce load-org` and `fauxforce sync` write through.

`POST /jobs/ingest` opens a job (insert, upsert by an external id, update by Id, delete); `PUT
/jobs/ingest/<id>/batches` uploads CSV; `PATCH … {"state": "UploadComplete"}` closes it and the org
processes it; `{"state": "Aborted"}` aborts it. Its state goes Open → UploadComplete → InProgress →
JobComplete (or Failed, or Aborted), and its results come back as Salesforce gives them: successful records
with `sf__Id` and `sf__Created`, failed records with `sf__Id` and `sf__Error`, unprocessed records, each as
the CSV that was sent, in no particular order (Salesforce promises none, so the mock shuffles them).

Each row is checked as the org's describe says: fields the API does not take fail the whole job (as
Salesforce fails it: `InvalidBatch`); required fields, types, lengths, restricted picklists and references
fail the row with Salesforce's error codes. References are written by relationship columns
(`Account.Fauxforce_Id__c`, or `Contact:Who.Fauxforce_Id__c` for a polymorphic field) resolved through the
parent's external id; `#N/A` sets a field to null, an empty value leaves it as it is. What is written is
then read back by query, queryAll and Bulk query jobs like any record.

Faults (`Faults`, counting rows of the next job that is processed): `ingest_fail_every` fails every Nth row;
`ingest_abort_after` / `ingest_fail_after` end the next job Aborted / Failed after N rows, the rest
unprocessed. Each is used once.
"""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import io
import json
import random
import re
import uuid
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from fauxforce.core import describe
from fauxforce.generators.ids import ids_for
from fauxforce.mock.endpoint import API_VERSION, Endpoint, error
from fauxforce.mock.org import RUNNING_USER, SObject
from fauxforce.mock.rest import MAX_OPEN

NULL = "#N/A"  # the Bulk API's way to set a field to null (an empty value leaves it unchanged)
OPERATIONS = ("insert", "upsert", "update", "delete")
RESULTS = ("successfulResults", "failedResults", "unprocessedrecords")
FIRST_COUNTER = 62**8  # records the mock creates get counters no generated org uses: their Ids are new
DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
DATETIME = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,3})?(Z|[+-]\d{2}:?\d{2})")


@dataclass
class IngestJob:
    id: str
    obj: str
    operation: str
    external_id: str | None
    state: str = "Open"
    created: str = ""
    data: list[bytes] = field(default_factory=list)
    header: list[str] = field(default_factory=list)
    results: dict[str, list[list[str]]] = field(default_factory=lambda: {r: [] for r in RESULTS})
    processed: int = 0
    failed: int = 0
    error_message: str | None = None
    polls: int = 0  # a closed job reports InProgress once before its final state, as a busy org does

    def info(self) -> dict[str, Any]:
        state = self.state
        if state in ("JobComplete", "Failed", "Aborted") and self.polls == 0:
            state = "InProgress"
        return {
            "id": self.id,
            "operation": self.operation,
            "object": self.obj,
            "createdById": RUNNING_USER,
            "createdDate": self.created,
            "systemModstamp": self.created,
            "state": state,
            "externalIdFieldName": self.external_id,
            "concurrencyMode": "Parallel",
            "contentType": "CSV",
            "apiVersion": float(API_VERSION),
            "jobType": "V2Ingest",
            "lineEnding": "LF",
            "columnDelimiter": "COMMA",
            "numberRecordsProcessed": self.processed,
            "numberRecordsFailed": self.failed,
            "retries": 0,
            "totalProcessingTime": 0,
            "errorMessage": self.error_message,
        }


class RowError(Exception):
    """One row refused, with Salesforce's `sf__Error`: `CODE:message:fields --`."""

    def __init__(self, code: str, message: str, fields: str = "") -> None:
        super().__init__(f"{code}:{message}:{fields} --")


class JobError(Exception):
    """A whole job refused (`InvalidBatch`), with the job's `errorMessage`."""


def now_stamp() -> str:
    return dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.000+0000")


class IngestEndpoints(Endpoint):
    def _ingest(self, method: str, rest: str) -> bool:
        """Route an ingest request; False when `rest` is not an ingest endpoint."""
        jobs = self.mock.state.ingest
        if rest == "/jobs/ingest" and method == "POST":
            self._open_job(self._json_body())
            return True
        m = re.fullmatch(r"/jobs/ingest/([\w-]+)(?:/(\w+))?", rest)
        if not m:
            return False
        job = jobs.get(m.group(1))
        if job is None:
            self._json(404, error("NOT_FOUND", f"no ingest job {m.group(1)}"))
            return True
        part = m.group(2)
        if part is None and method == "GET":
            if job.state in ("JobComplete", "Failed", "Aborted"):
                job.polls += 1
            self._json(200, job.info())
        elif part is None and method == "PATCH":
            self._set_state(job, str(self._json_body().get("state") or ""))
        elif part is None and method == "DELETE":
            del jobs[job.id]
            self._send(204, b"", "text/plain")
        elif part == "batches" and method == "PUT":
            if job.state != "Open":
                self._json(400, error("INVALIDJOB", f"job {job.id} is {job.state}: data can be uploaded to Open jobs"))
            else:
                job.data.append(self._body())
                self._send(201, b"", "text/plain")
        elif part in RESULTS and method == "GET":
            self._results_csv(job, part)
        else:
            self._json(404, error("NOT_FOUND", f"The requested resource does not exist: {rest}"))
        return True

    def _json_body(self) -> dict[str, Any]:
        body = json.loads(self._body() or b"{}")
        return body if isinstance(body, dict) else {}

    def _open_job(self, spec: dict[str, Any]) -> None:
        operation, name = spec.get("operation"), str(spec.get("object") or "")
        if operation not in OPERATIONS:
            known = ", ".join(OPERATIONS)
            return self._json(400, error("INVALIDJOB", f"operation {operation!r} is not one of {known}"))
        obj = self.mock.org.get(name)
        if obj is None:
            return self._json(400, error("INVALIDJOB", f"InvalidJob : Invalid object: {name}"))
        external_id = spec.get("externalIdFieldName")
        if operation == "upsert":
            entry = _entry(obj, str(external_id or ""))
            if entry is None or not (entry.get("externalId") or entry.get("idLookup") or external_id == "Id"):
                return self._json(
                    400, error("INVALIDJOB", f"InvalidJob : Field {external_id} is not an external id of {obj.name}")
                )
        job = IngestJob(f"750{uuid.uuid4().hex[:15]}", obj.name, str(operation), external_id, created=now_stamp())
        jobs = self.mock.state.ingest
        with self.mock.state.lock:
            jobs[job.id] = job
            while len(jobs) > MAX_OPEN:  # as in Salesforce, old jobs (and their results) expire
                del jobs[next(iter(jobs))]
        self._json(200, job.info())

    def _set_state(self, job: IngestJob, state: str) -> None:
        if state == "Aborted" and job.state in ("Open", "UploadComplete", "InProgress"):
            job.state = "Aborted"
            with contextlib.suppress(JobError):  # nothing readable uploaded: nothing is unprocessed
                job.header, job.results["unprocessedrecords"] = _rows(job)
        elif state == "UploadComplete" and job.state == "Open":
            job.state = "UploadComplete"
            with self.mock.state.lock:
                try:
                    self._process(job)
                except Exception as e:  # the org's own failure ends the job, as Salesforce's would
                    job.state, job.error_message = "Failed", f"UNKNOWN_EXCEPTION: {type(e).__name__}"
        else:
            return self._json(400, error("INVALIDJOB", f"job {job.id} is {job.state}: it cannot become {state!r}"))
        self._json(200, job.info())

    def _results_csv(self, job: IngestJob, part: str) -> None:
        if job.state in ("Open", "UploadComplete", "InProgress"):
            return self._json(400, error("INVALIDJOB", f"job {job.id} is {job.state}: its results are not ready"))
        lead = {"successfulResults": ["sf__Id", "sf__Created"], "failedResults": ["sf__Id", "sf__Error"]}
        buf = io.StringIO()
        writer = csv.writer(buf, lineterminator="\n")
        writer.writerow(lead.get(part, []) + job.header)
        rows = list(job.results[part])
        random.Random(job.id + part).shuffle(rows)  # Salesforce promises no order: match rows by key
        writer.writerows(rows)
        self._send(200, buf.getvalue().encode("utf-8"), "text/csv")

    # ---- processing -------------------------------------------------------------------------------
    def _process(self, job: IngestJob) -> None:
        faults = self.mock.faults
        obj = self.mock.org.get(job.obj)
        assert obj is not None
        try:
            header, rows = _rows(job)
            job.header = header
            columns = _columns(obj, header, job)
        except JobError as e:
            job.state, job.error_message = "Failed", f"InvalidBatch : {e}"
            return
        stop_after, stop_as = None, "JobComplete"
        if faults.ingest_abort_after is not None:
            stop_after, stop_as, faults.ingest_abort_after = faults.ingest_abort_after, "Aborted", None
        elif faults.ingest_fail_after is not None:
            stop_after, stop_as, faults.ingest_fail_after = faults.ingest_fail_after, "Failed", None
        fail_every, faults.ingest_fail_every = faults.ingest_fail_every, None
        writer = _Writer(self.mock.org, obj, job)
        for i, row in enumerate(rows):
            if stop_after is not None and i >= stop_after:
                job.results["unprocessedrecords"] = rows[i:]
                job.state = stop_as
                job.error_message = f"the job was {stop_as.lower()} after {i} records (injected fault)"
                return
            job.processed += 1
            try:
                if fail_every and (i + 1) % fail_every == 0:
                    raise RowError("UNABLE_TO_LOCK_ROW", "unable to obtain exclusive access to this record")
                record_id, created = writer.write(list(zip(columns, row, strict=True)))
                job.results["successfulResults"].append([record_id, "true" if created else "false", *row])
            except RowError as e:
                job.failed += 1
                job.results["failedResults"].append(["", str(e), *row])
        job.state = stop_as


def _rows(job: IngestJob) -> tuple[list[str], list[list[str]]]:
    header: list[str] | None = None
    rows: list[list[str]] = []
    for chunk in job.data:
        reader = csv.reader(io.StringIO(chunk.decode("utf-8")))
        first = next(reader, None)
        if first is None:
            continue
        if header is not None and first != header:
            raise JobError("every upload of a job has the same header row")
        header = first
        rows += [r for r in reader if r]
    if header is None:
        raise JobError("no data was uploaded")
    bad = next((i for i, r in enumerate(rows) if len(r) != len(header)), None)
    if bad is not None:
        raise JobError(f"record {bad + 1} has {len(rows[bad])} values for {len(header)} columns")
    return header, rows


def _entry(obj: SObject, name: str) -> dict[str, Any] | None:
    return next((f for f in obj.fields if f["name"].lower() == name.lower()), None)


@dataclass(frozen=True)
class _Column:
    header: str
    entry: dict[str, Any] | None  # None for a relationship column (then `field`, `target`, `key` say which)
    field: str = ""
    targets: tuple[str, ...] = ()
    key: str = ""


def _columns(obj: SObject, header: list[str], job: IngestJob) -> list[_Column]:
    """What each CSV column writes; a column the org does not take fails the job, as Salesforce fails it."""
    out = []
    refs = {f.get("relationshipName"): f for f in obj.fields if f.get("type") == "reference"}
    for name in header:
        m = re.fullmatch(r"(?:(\w+):)?(\w+)\.(\w+)", name)
        if m:
            ref = refs.get(m.group(2))
            if ref is None:
                raise JobError(f"Field name not found : {name}")
            targets = tuple(ref.get("referenceTo") or [])
            if m.group(1):
                if m.group(1) not in targets:
                    raise JobError(f"{m.group(1)} is not a type {ref['name']} can point at ({name})")
                targets = (m.group(1),)
            out.append(_Column(name, None, ref["name"], targets, m.group(3)))
            continue
        entry = _entry(obj, name)
        if entry is None:
            raise JobError(f"Field name not found : {name}")
        writable = entry.get("createable") or entry.get("updateable")
        if not (writable or (name == "Id" and job.operation in ("update", "delete"))):
            raise JobError(
                f"Unable to create/update fields: {entry['name']}. Please check the security settings of this "
                "field and verify that it is read/write for your profile or permission set."
            )
        out.append(_Column(name, entry))
    if job.operation == "upsert" and not any(c.header.lower() == str(job.external_id).lower() for c in out):
        raise JobError(f"the upsert needs a column for its external id {job.external_id}")
    if job.operation in ("update", "delete") and not any(c.header == "Id" for c in out):
        raise JobError(f"an {job.operation} needs an Id column")
    return out


class _Writer:
    """Applies rows to one object's records, with the indexes the rows need (by Id, by external id)."""

    def __init__(self, org: Any, obj: SObject, job: IngestJob) -> None:
        self.org, self.obj, self.job = org, obj, job
        self.by_id = {r["Id"]: r for r in obj.records if r.get("Id")}
        self.key_field = _entry(obj, job.external_id or "")["name"] if job.operation == "upsert" else None  # type: ignore[index]
        self._indexes: dict[tuple[str, str], dict[str, dict[str, Any]]] = {}
        self.prefix = obj.key_prefix or "a00"
        self.counter = FIRST_COUNTER + len(obj.records)

    def index(self, obj_name: str, key: str) -> dict[str, dict[str, Any]]:
        if (obj_name, key) not in self._indexes:
            target = self.org.get(obj_name)
            records = target.records if target is not None else []
            self._indexes[(obj_name, key)] = {
                str(r[key]): r for r in records if r.get(key) not in (None, "") and not r.get("IsDeleted")
            }
        return self._indexes[(obj_name, key)]

    def write(self, row: list[tuple[_Column, str]]) -> tuple[str, bool]:
        values: dict[str, Any] = {}
        for column, text in row:
            if column.entry is None:
                if text == "":
                    continue
                values[column.field] = None if text == NULL else self._resolve(column, text)
            elif text != "":
                values[column.entry["name"]] = None if text == NULL else _typed(column.entry, text)
        op = self.job.operation
        existing: dict[str, Any] | None = None
        if op in ("update", "delete"):
            existing = self.by_id.get(str(values.get("Id")))
            if existing is None or existing.get("IsDeleted"):
                raise (
                    RowError("ENTITY_IS_DELETED", "entity is deleted", "Id")
                    if existing
                    else RowError("INVALID_CROSS_REFERENCE_KEY", "invalid cross reference id", "Id")
                )
        elif op == "upsert":
            key = values.get(self.key_field or "")
            if key in (None, ""):
                raise RowError("MISSING_ARGUMENT", f"{self.key_field} not specified", str(self.key_field))
            existing = self.index(self.obj.name, str(self.key_field)).get(str(key))
        if op == "delete":
            assert existing is not None
            existing.update(IsDeleted=True, SystemModstamp=now_stamp())
            return str(existing["Id"]), False
        self._check(values, creating=existing is None)
        stamp = now_stamp()
        if existing is not None:
            existing.update({k: v for k, v in values.items() if k != "Id"})
            existing.update(LastModifiedDate=stamp, SystemModstamp=stamp)
            self._reindex(existing)
            return str(existing["Id"]), False
        if op == "update":
            raise RowError("INVALID_CROSS_REFERENCE_KEY", "invalid cross reference id", "Id")
        record_id = ids_for(self.prefix, np.array([self.counter], dtype=np.int64))[0].as_py()
        self.counter += 1
        record: dict[str, Any] = {f["name"]: None for f in self.obj.fields if f.get("type") not in describe.UNQUERYABLE}
        record.update(values)
        system = {"Id": record_id, "IsDeleted": False, "CreatedDate": stamp, "LastModifiedDate": stamp}
        system |= {"SystemModstamp": stamp, "CreatedById": RUNNING_USER, "LastModifiedById": RUNNING_USER}
        record.update({k: v for k, v in system.items() if k in record or k == "Id"})
        if "OwnerId" in record and record["OwnerId"] is None:
            record["OwnerId"] = RUNNING_USER
        self.obj.records.append(record)
        self.by_id[record_id] = record
        self._reindex(record)
        return record_id, True

    def _reindex(self, record: dict[str, Any]) -> None:
        for (obj_name, key), index in self._indexes.items():
            if obj_name == self.obj.name and record.get(key) not in (None, ""):
                index[str(record[key])] = record

    def _resolve(self, column: _Column, value: str) -> str:
        for target in column.targets:
            found = self.index(target, column.key).get(value)
            if found is not None:
                return str(found["Id"])
        where = "/".join(column.targets)
        raise RowError(
            "INVALID_FIELD",
            f"Foreign key external ID: {value} not found for field {column.key} in entity {where}",
            column.field,
        )

    def _check(self, values: dict[str, Any], creating: bool) -> None:
        for f in self.obj.fields:
            name = f["name"]
            if name not in values:
                required = not f.get("nillable", True) and not f.get("defaultedOnCreate") and f.get("createable")
                if creating and required and f.get("type") != "boolean":
                    raise RowError("REQUIRED_FIELD_MISSING", f"Required fields are missing: [{name}]", name)
                continue
            value = values[name]
            if value is None and not f.get("nillable", True):
                raise RowError("REQUIRED_FIELD_MISSING", f"Required fields are missing: [{name}]", name)
            length = int(f.get("length") or 0)
            if isinstance(value, str) and length and len(value) > length and f.get("type") != "reference":
                raise RowError("STRING_TOO_LONG", f"{f.get('label', name)}: data value too large: {value[:40]}", name)
            if f.get("restrictedPicklist") and value is not None:
                allowed = set(describe.active_values(f))
                chosen = str(value).split(";") if f.get("type") == "multipicklist" else [str(value)]
                if any(v not in allowed for v in chosen):
                    raise RowError(
                        "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST",
                        f"{f.get('label', name)}: bad value for restricted picklist field: {value}",
                        name,
                    )
        pair = describe.EITHER_OR.get(self.obj.name)
        if creating and pair and all(values.get(p) is not None for p in pair):
            raise RowError(
                "FIELD_INTEGRITY_EXCEPTION", f"field integrity exception: {pair[0]}, {pair[1]} (only one may be set)"
            )


def _typed(entry: dict[str, Any], text: str) -> Any:
    """A CSV value as the org stores it, or a row error saying why it is not of the field's type."""
    kind, name = entry.get("type"), entry["name"]
    try:
        if kind == "boolean":
            if text.lower() not in ("true", "false", "1", "0"):
                raise ValueError
            return text.lower() in ("true", "1")
        if kind == "int":
            return int(float(text))
        if kind in ("double", "currency", "percent"):
            return float(text)
        if kind == "date":
            if not DATE.fullmatch(text):
                raise ValueError
            return str(dt.date.fromisoformat(text))
        if kind == "datetime":
            if not (DATETIME.fullmatch(text) or DATE.fullmatch(text)):
                raise ValueError
            stamp = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
            if stamp.tzinfo is None:
                stamp = stamp.replace(tzinfo=dt.UTC)
            return stamp.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{stamp.microsecond // 1000:03d}+0000"
    except ValueError:
        raise RowError("INVALID_FIELD_FOR_INSERT_UPDATE", f"{name}: invalid {kind}: {text[:40]}", name) from None
    return text
