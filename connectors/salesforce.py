"""Connector `salesforce`: a live org (or the mock org) through simple-salesforce, incrementally.

It reads the objects the org has that the selection names (`FAUXFORCE_SALESFORCE_OBJECTS`; by default
`DEFAULT_OBJECTS`: the objects the catalogue declares, the other sales objects, activities, and every
custom object), the declared ones first in load order, then the others by name. For each:

- the field list comes from describe: every field, custom ones included, compound parents such as
  `BillingAddress` left out in favour of their components;
- `SELECT <fields> FROM <object> WHERE SystemModstamp >= <watermark> ORDER BY SystemModstamp, Id`
  through queryAll, so soft-deleted records arrive with `IsDeleted = true`; the boundary repeats
  records already landed, and silver counts them as duplicates. An object without `SystemModstamp` is
  read whole on every run;
- the first REST page says how many records match: up to `bulk_threshold` they are read by REST
  paging, above it by a Bulk API 2.0 queryAll job, in pages of `batch_rows`; an object the Bulk API does
  not support (Salesforce answers INVALIDENTITY) is read by REST paging instead;
- records are yielded in batches of at most `batch_rows`, never the whole object in memory. A REST
  batch carries the highest SystemModstamp landed so far as its watermark; a Bulk batch carries the
  previous watermark until the last one, since a bulk job's pages are not promised in order.

Faults: connection errors, 5xx and 429 are retried with exponential backoff; an expired session logs
in again where the auth mode can (simple-salesforce does so for REST, the connector for Bulk);
REQUEST_LIMIT_EXCEEDED raises `ApiLimitReached` after the batches already yielded, so what landed
stays and the watermark never passes it. API usage (`Sforce-Limit-Info`) is logged. Credentials and
session ids appear in no log, error or batch.
"""

from __future__ import annotations

import contextlib
import csv
import io
import logging
import random
import re
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from fnmatch import fnmatchcase
from pathlib import Path
from typing import Any, TypeVar

import pyarrow as pa
import requests
from simple_salesforce import Salesforce
from simple_salesforce.exceptions import (
    SalesforceAuthenticationFailed,
    SalesforceError,
    SalesforceExpiredSession,
    SalesforceGeneralError,
    SalesforceRefusedRequest,
)

from fauxforce.connectors.base import Batch, Connector, ObjectRef, as_text, register
from fauxforce.connectors.http import session_for
from fauxforce.core import catalogue, describe
from fauxforce.core.describe import write_json
from fauxforce.core.settings import Settings, get_settings, with_secret_block

log = logging.getLogger("fauxforce.salesforce")
T = TypeVar("T")
EPOCH = "1970-01-01T00:00:00Z"  # the watermark before a first run


class SalesforceSourceError(RuntimeError):
    """The org cannot be read: the message says why and what to do (and never holds a secret)."""


class ApiLimitReached(SalesforceSourceError):
    """The org's API request limit is used up; what landed stays, the rest comes on a later run."""


@dataclass(frozen=True)
class Auth:
    """Which simple-salesforce login the settings give, and its arguments (kept out of every message)."""

    mode: str
    kwargs: dict[str, Any]

    @property
    def can_login_again(self) -> bool:
        return self.mode != "session id"


def auth_from(settings: Settings) -> Auth:
    """The auth mode the settings fill in, first complete one of: session id, JWT, client credentials, password."""
    s = settings
    secret = lambda v: v.get_secret_value() if v is not None else None  # noqa: E731
    domain = s.salesforce_domain
    if s.salesforce_session_id and s.salesforce_instance_url:
        return Auth(
            "session id", {"session_id": secret(s.salesforce_session_id), "instance_url": s.salesforce_instance_url}
        )
    if s.salesforce_username and s.salesforce_consumer_key and s.salesforce_private_key_file:
        jwt = {
            "username": s.salesforce_username,
            "consumer_key": s.salesforce_consumer_key,
            "privatekey_file": str(s.salesforce_private_key_file),
            "domain": domain,
        }
        return Auth("JWT bearer", jwt)
    if s.salesforce_consumer_key and s.salesforce_consumer_secret and not s.salesforce_username:
        if domain in ("login", "test"):
            raise SalesforceSourceError(
                "OAuth client credentials need your My Domain: set SALESFORCE_DOMAIN to e.g. acme.my "
                "(the part before .salesforce.com), not login or test"
            )
        return Auth(
            "client credentials",
            {
                "consumer_key": s.salesforce_consumer_key,
                "consumer_secret": secret(s.salesforce_consumer_secret),
                "domain": domain,
            },
        )
    if s.salesforce_username and s.salesforce_password:
        kwargs: dict[str, Any] = {
            "username": s.salesforce_username,
            "password": secret(s.salesforce_password),
            "domain": domain,
        }
        if s.salesforce_consumer_key and s.salesforce_consumer_secret:
            app = {"consumer_key": s.salesforce_consumer_key, "consumer_secret": secret(s.salesforce_consumer_secret)}
            return Auth("OAuth password", kwargs | app)
        return Auth("password", kwargs | {"security_token": secret(s.salesforce_security_token) or ""})
    raise SalesforceSourceError(
        "no complete Salesforce credentials: set SALESFORCE_USERNAME + SALESFORCE_PASSWORD + "
        "SALESFORCE_SECURITY_TOKEN, or SALESFORCE_CONSUMER_KEY + SALESFORCE_CONSUMER_SECRET + SALESFORCE_DOMAIN "
        "(client credentials), or SALESFORCE_USERNAME + SALESFORCE_CONSUMER_KEY + SALESFORCE_PRIVATE_KEY_FILE "
        "(JWT), or SALESFORCE_SESSION_ID + SALESFORCE_INSTANCE_URL; see .env.example"
    )


# The objects read when FAUXFORCE_SALESFORCE_OBJECTS says nothing: the catalogue's, the other sales objects,
# activities, record types, groups (queues own records), a multi-currency org's rates (gold converts by
# them) and every custom object.
DEFAULT_OBJECTS: tuple[str, ...] = (
    *(t.ref.name for t in catalogue.objects("salesforce")),
    *("Task", "Event", "CampaignMember", "AccountContactRelation", "Quote", "QuoteLineItem", "Order"),
    *("OrderItem", "Contract", "Asset", "RecordType", "UserRole", "Group"),
    *("CurrencyType", "DatedConversionRate", "*__c"),
)


def object_selection(text: str | None) -> tuple[list[str], list[str]]:
    """`"default,Quote*,!Campaign*"` → (patterns to read, patterns to leave out); `default` stands for
    `DEFAULT_OBJECTS`, and with no pattern to read at all, the default set is read."""
    include: list[str] = []
    exclude: list[str] = []
    for item in (text or "").split(","):
        item = item.strip()
        if not item:
            continue
        if item.startswith("!"):
            if not item[1:].strip():
                raise SalesforceSourceError(f"FAUXFORCE_SALESFORCE_OBJECTS: {item!r} leaves out no pattern")
            exclude.append(item[1:].strip())
        elif item.lower() == "default":
            include += DEFAULT_OBJECTS
        elif re.fullmatch(r"[A-Za-z0-9_*?\[\]]+", item):
            include.append(item)
        else:
            raise SalesforceSourceError(
                f"FAUXFORCE_SALESFORCE_OBJECTS: {item!r} is not an object name or pattern (Account, Quote*, *__c, "
                "!Campaign*, default)"
            )
    return include or list(DEFAULT_OBJECTS), exclude


def api_policy(text: str | None) -> dict[str, str]:
    """`"OpportunityHistory=bulk, User=rest"` → {object: api}; a clear error for anything else."""
    policy: dict[str, str] = {}
    for item in (text or "").split(","):
        if not item.strip():
            continue
        name, _, api = item.partition("=")
        if api.strip().lower() not in ("rest", "bulk") or not name.strip():
            raise SalesforceSourceError(
                f"FAUXFORCE_SALESFORCE_API: {item.strip()!r} is not <Object>=rest or <Object>=bulk"
            )
        policy[name.strip()] = api.strip().lower()
    return policy


# The records a twin takes as metadata (`save_describe`): what the stages mean, what the currencies are worth.
METADATA_RECORDS = {
    "OpportunityStage": "Id, ApiName, MasterLabel, IsActive, IsClosed, IsWon, ForecastCategoryName, "
    "DefaultProbability, SortOrder",
    "CurrencyType": "Id, IsoCode, ConversionRate, DecimalPlaces, IsActive, IsCorporate",
}


@register
class SalesforceConnector(Connector):
    name = "salesforce"

    def __init__(
        self,
        settings: Settings | None = None,
        bulk_threshold: int | None = None,  # default: FAUXFORCE_SALESFORCE_BULK_THRESHOLD (10,000)
        batch_rows: int = 50_000,
        page_size: int = 2_000,
        retries: int = 5,
        backoff: float = 0.5,
        bulk_poll: float = 2.0,  # seconds before a Bulk job's first status check (each check is an API call)
    ) -> None:
        self.settings = with_secret_block(settings or get_settings())
        self.auth = auth_from(self.settings)
        self.bulk_threshold = self.settings.salesforce_bulk_threshold if bulk_threshold is None else bulk_threshold
        self.policy = api_policy(self.settings.salesforce_api)
        self.include, self.exclude = object_selection(self.settings.salesforce_objects)
        self.batch_rows, self.page_size = batch_rows, page_size
        self.retries, self.backoff, self.bulk_poll = retries, backoff, bulk_poll
        self._sf: Salesforce | None = None
        self._fields: dict[str, list[str]] = {}
        self._types: dict[str, dict[str, str]] = {}
        self._picklists: dict[str, dict[str, list[str]]] = {}
        self._described_global: dict[str, Any] | None = None

    # ---- connection ---------------------------------------------------------------------------------
    def _session(self) -> requests.Session:
        s = self.settings
        try:
            return session_for(s.salesforce_login_url, s.salesforce_ca_bundle)
        except FileNotFoundError as e:
            raise SalesforceSourceError(f"{e}; point it at the CA's PEM certificate file") from None

    def client(self, fresh: bool = False) -> Salesforce:
        if self._sf is None or fresh:
            try:
                self._sf = Salesforce(
                    **self.auth.kwargs, session=self._session(), version=self.settings.salesforce_api_version
                )
            except SalesforceAuthenticationFailed as e:
                raise SalesforceSourceError(
                    f"Salesforce refused the {self.auth.mode} login ({e.code}): check the credentials, "
                    "SALESFORCE_DOMAIN (login, test or your My Domain) and the connected app's policies"
                ) from None
            except requests.exceptions.SSLError as e:
                raise SalesforceSourceError(
                    f"TLS verification failed ({type(e).__name__}); if the org uses a private CA, set "
                    "SALESFORCE_CA_BUNDLE to its certificate file (verification is never turned off)"
                ) from None
            log.info("connected to Salesforce at %s (%s)", self._sf.sf_instance, self.auth.mode)
        return self._sf

    def _call(self, what: str, fn: Callable[[Salesforce], T]) -> T:
        """One API call, retried as `_recover` allows."""
        attempt = 0
        while True:
            attempt += 1
            try:
                result = fn(self.client())
                self._log_usage()
                return result
            except (SalesforceError, requests.exceptions.RequestException) as e:
                self._recover(what, attempt, e)

    def _recover(self, what: str, attempt: int, e: Exception) -> None:
        """After a failed call: return to try again (after a backoff, or a new login), or raise a clear error."""
        if isinstance(e, SalesforceRefusedRequest) and _code(e) == "REQUEST_LIMIT_EXCEEDED":
            raise ApiLimitReached(
                f"Salesforce's API request limit is used up ({what}); batches already landed stay, and the next "
                "run carries on from them once the org's 24-hour limit allows"
            ) from None
        if isinstance(e, SalesforceExpiredSession):
            if not self.auth.can_login_again or attempt > self.retries:
                raise SalesforceSourceError(
                    "the Salesforce session expired and a session id cannot log in again: set credentials for a "
                    "mode that can (password, OAuth, JWT), or a fresh SALESFORCE_SESSION_ID"
                ) from None
            self.client(fresh=True)
            return
        status = getattr(e, "status", None)
        transient = (
            isinstance(e, (requests.exceptions.ConnectionError, requests.exceptions.Timeout))
            or (isinstance(e, SalesforceGeneralError) and (status or 0) >= 500)
            or status == 429
        )
        if not transient:
            reason = _code(e) or status or type(e).__name__
            raise SalesforceSourceError(f"Salesforce refused {what}: {reason}") from None
        if attempt > self.retries:
            raise SalesforceSourceError(
                f"Salesforce failed {what} {attempt} times ({status or type(e).__name__}); try again later"
            ) from None
        delay = min(30.0, self.backoff * 2 ** (attempt - 1)) * (0.5 + random.random() / 2)
        log.warning("%s: %s, retry %s of %s in %.1fs", what, status or type(e).__name__, attempt, self.retries, delay)
        time.sleep(delay)

    def _log_usage(self) -> None:
        usage = (self._sf.api_usage if self._sf else {}).get("api-usage")
        if usage is not None:
            log.info("Salesforce API usage %s of %s", usage.used, usage.total)

    # ---- the Connector interface ----------------------------------------------------------------------
    def objects(self) -> list[ObjectRef]:
        """The selected objects the org has and can query: the catalogue's in load order, then the rest by name."""
        have = {o["name"] for o in self._global().get("sobjects", []) if o.get("queryable", True)}
        chosen = {
            name
            for name in have
            if any(fnmatchcase(name, p) for p in self.include) and not any(fnmatchcase(name, p) for p in self.exclude)
        }
        declared = [t.ref.name for t in catalogue.objects("salesforce")]
        order = [n for n in declared if n in chosen] + sorted(chosen - set(declared))
        return [ObjectRef("salesforce", name) for name in order]

    def fields(self, ref: ObjectRef) -> list[str]:
        """Every queryable field of the object, compound parents (BillingAddress) left out."""
        if ref.name not in self._fields:
            d = self._describe(ref.name)
            self._types[ref.name], self._picklists[ref.name] = describe.field_types(d)
            self._fields[ref.name] = list(self._types[ref.name])
        return self._fields[ref.name]

    def save_describe(self, folder: Path) -> list[str]:
        """Write the org's metadata for a twin (`fauxforce generate --describe-from-org`): describe global, the
        describe of every selected object, and its OpportunityStage and CurrencyType records. Never a record of
        the selected objects. Returns the objects described."""
        folder.mkdir(parents=True, exist_ok=True)
        described = self._global()
        write_json(folder / "Global.json", described)
        names = [ref.name for ref in self.objects() if ref.name not in describe.MADE_FROM_METADATA]
        describe.write_folder(folder, [self._describe(name) for name in names])
        queryable = {o.get("name") for o in described.get("sobjects", []) if o.get("queryable", True)}
        for name, fields in METADATA_RECORDS.items():
            if name in queryable:
                records = self._records(f"SELECT {fields} FROM {name}")
                write_json(folder / describe.RECORD_FILES[name], {"records": records})
        return names

    def _records(self, soql: str) -> list[dict[str, Any]]:
        """Every record a (small) query returns, through the REST API, without their `attributes`."""
        found = self._call(soql.split(" FROM ")[-1], lambda sf: sf.query_all(soql))
        return [{k: v for k, v in r.items() if k != "attributes"} for r in found.get("records", [])]

    def _global(self) -> dict[str, Any]:
        """Describe global, asked once per connector (one run reads the org's object list as it was at its start)."""
        if self._described_global is None:
            self._described_global = dict(self._call("describe global", lambda sf: sf.describe()) or {})
        return self._described_global

    def _describe(self, name: str) -> dict[str, Any]:
        return dict(self._call(f"describe {name}", lambda sf: getattr(sf, name).describe()))

    def has_cursor(self, ref: ObjectRef) -> bool:
        """Whether the object can be read incrementally (it has a SystemModstamp)."""
        self.fields(ref)
        return "SystemModstamp" in self._types[ref.name]

    def soql(self, ref: ObjectRef, since: str | None) -> str:
        fields = ", ".join(self.fields(ref))
        if not self.has_cursor(ref):  # nothing says what changed: the whole object, every run
            return f"SELECT {fields} FROM {ref.name}" + (" ORDER BY Id" if "Id" in self._types[ref.name] else "")
        stamp = since or EPOCH
        return f"SELECT {fields} FROM {ref.name} WHERE SystemModstamp >= {stamp} ORDER BY SystemModstamp, Id"

    def extract(
        self, ref: ObjectRef, seen: Callable[[dict[str, str]], bool], since: str | None = None
    ) -> Iterator[Batch]:
        soql = self.soql(ref, since)
        fields = self.fields(ref)
        uri = f"salesforce://{self.client().sf_instance}/{ref.name}"
        info: dict[str, object] = {"since": since or EPOCH} if self.has_cursor(ref) else {"full_read": True}
        forced = self.policy.get(ref.name)
        first: dict[str, Any] | None = None
        matched = -1
        if forced != "bulk":  # the first REST page says how many records match
            headers = {"Sforce-Query-Options": f"batchSize={self.page_size}"}
            first = self._call(f"queryAll {ref.name}", lambda sf: sf.query(soql, include_deleted=True, headers=headers))
            matched = int(first["totalSize"])
            info["matched"] = matched
        use_bulk = forced == "bulk" or (forced is None and matched > self.bulk_threshold)
        info["api"] = "bulk2" if use_bulk else "rest"
        log.info("%s: %s records at or after %s, by %s", ref.name, matched, since or EPOCH, info["api"])
        if use_bulk or first is None:
            try:
                yield from self._bulk(ref, soql, fields, since, uri, info)
                return
            except BulkUnsupported:
                log.info("%s: the Bulk API does not support it; reading by REST instead", ref.name)
                info["api"] = "rest (no bulk)"
            if first is None:
                headers = {"Sforce-Query-Options": f"batchSize={self.page_size}"}
                first = self._call(
                    f"queryAll {ref.name}", lambda sf: sf.query(soql, include_deleted=True, headers=headers)
                )
        yield from self._rest(ref, first, fields, since, uri, info)

    def _rest(
        self,
        ref: ObjectRef,
        page: dict[str, Any],
        fields: list[str],
        since: str | None,
        uri: str,
        info: dict[str, object],
    ) -> Iterator[Batch]:
        rows: list[dict[str, Any]] = []
        watermark = since or EPOCH
        while True:
            rows += page["records"]
            done = page.get("done", True)
            if len(rows) >= self.batch_rows or done:
                if rows:
                    watermark = max(watermark, _stamp(rows[-1].get("SystemModstamp")) or watermark)
                    yield self._batch(ref, rows, fields, uri, watermark, info)
                rows = []
            if done:
                return
            page = self._call(
                f"queryAll {ref.name} (more)",
                lambda sf, url=page["nextRecordsUrl"]: sf.query_more(url, identifier_is_url=True),  # type: ignore[misc]
            )

    def _bulk(
        self, ref: ObjectRef, soql: str, fields: list[str], since: str | None, uri: str, info: dict[str, object]
    ) -> Iterator[Batch]:
        """A Bulk API 2.0 queryAll job, a batch per results page; the watermark moves with the last page only.

        A failure inside the job starts it again (what already landed comes again as duplicates, which silver
        counts); the limit and lasting failures end it with a clear error.
        """
        attempt = 0
        start = since or EPOCH
        while True:
            attempt += 1
            held: list[dict[str, str]] | None = None  # one page held back, to know which page is the last
            highest = start
            try:
                job = getattr(self.client().bulk2, ref.name)
                for text in job.query_all(soql, max_records=self.batch_rows, wait=self.bulk_poll):
                    records = list(csv.DictReader(io.StringIO(text)))
                    for r in records:
                        highest = max(highest, _stamp(r.get("SystemModstamp")) or highest)
                    if held is not None:
                        yield self._batch(ref, held, fields, uri, start, info)
                    held = records
                self._log_usage()
            except (SalesforceError, requests.exceptions.RequestException) as e:
                if held is None and _code(e) == "INVALIDENTITY":  # nothing yielded yet: REST can take over
                    raise BulkUnsupported(ref.name) from None
                self._recover(f"bulk queryAll {ref.name}", attempt, e)
                continue
            yield self._batch(ref, held or [], fields, uri, highest, info)
            return

    def _batch(
        self,
        ref: ObjectRef,
        rows: list[dict[str, Any]],
        fields: list[str],
        uri: str,
        watermark: str,
        info: dict[str, object],
    ) -> Batch:
        columns = [pa.array([as_text(r.get(f)) or None for r in rows], type=pa.string()) for f in fields]
        data = pa.table(columns, names=fields)
        key = f"{ref}@{watermark}#{uuid.uuid4().hex[:12]}"  # a batch of a live source lands once, whatever it holds
        state = {"file": key, "sha256": "", "watermark": watermark}
        info = dict(info)
        usage = (self._sf.api_usage if self._sf else {}).get("api-usage")
        if usage is not None:  # the org's 24-hour request allowance, as of this batch (the report shows it)
            info["api_usage"] = [int(usage.used), int(usage.total)]
        return Batch(
            ref, data, uri, state, info, fields=dict(self._types[ref.name]), picklists=self._picklists[ref.name]
        )


# ---- writing: Bulk API 2.0 ingest jobs -------------------------------------------------------------------
FINAL_STATES = ("JobComplete", "Failed", "Aborted")
RESULT_KINDS = ("successfulResults", "failedResults", "unprocessedrecords")


@dataclass
class IngestOutcome:
    """One ingest job as it ended, and its three result sets (rows as dicts, in the order the org gave them:
    none promised, so callers match them by key)."""

    job_id: str
    state: str
    processed: int
    failed: int
    error: str | None
    results: dict[str, list[dict[str, str]]]
    api_calls: int
    limit_reached: bool = False  # the API limit ran out before the job's results were read


class Ingest:
    """Bulk API 2.0 ingest through simple-salesforce's bulk2 client, one job at a time, with the connector's
    retries and login. simple-salesforce's `upsert()` raises on a Failed or Aborted job and drops its results,
    so this drives the job's steps itself (its `_client`: create, upload, close, status, results)."""

    def __init__(self, connector: SalesforceConnector, poll: float = 1.0) -> None:
        self.sf, self.poll = connector, poll

    def run(self, obj: str, operation: str, data: str, external_id: str | None = None) -> IngestOutcome:
        calls = 0

        def step(what: str, fn: Callable[[Any], T]) -> T:
            nonlocal calls
            calls += 1
            return self.sf._call(f"{what} ({obj})", lambda client: fn(getattr(client.bulk2, obj)._client))

        job = step("create ingest job", lambda c: c.create_job(operation, external_id_field=external_id))
        job_id = str(job["id"])
        try:
            step("upload ingest data", lambda c: c.upload_job_data(job_id, data))
            step("close ingest job", lambda c: c.close_job(job_id))
        except SalesforceSourceError:
            with contextlib.suppress(Exception):  # leave no Open job behind; the caller records the failure
                step("abort ingest job", lambda c: c.abort_job(job_id, False))
            raise
        results: dict[str, list[dict[str, str]]] = {}
        try:
            info = step("ingest job status", lambda c: c.get_job(job_id, False))
            while info["state"] not in FINAL_STATES:
                time.sleep(self.poll)
                info = step("ingest job status", lambda c: c.get_job(job_id, False))
            for kind in RESULT_KINDS:
                text: str = step(kind, lambda c, k=kind: c.get_ingest_results(job_id, k))  # type: ignore[misc]
                results[kind] = list(csv.DictReader(io.StringIO(text)))
        except ApiLimitReached as e:  # the job was sent; whether its records landed is not known
            return IngestOutcome(job_id, "Unknown", 0, 0, str(e), {}, calls, limit_reached=True)
        return IngestOutcome(
            job_id,
            str(info["state"]),
            int(info.get("numberRecordsProcessed") or 0),
            int(info.get("numberRecordsFailed") or 0),
            info.get("errorMessage"),
            results,
            calls,
        )


def remaining_calls(connector: SalesforceConnector) -> tuple[int, int]:
    """(used, allowed) of the org's 24-hour API request allowance, asked of `/limits` (one API call: the bulk2
    client's calls do not update simple-salesforce's `api_usage`, so the last REST response may be stale)."""
    limits = connector._call("limits", lambda sf: sf.limits())
    daily = limits.get("DailyApiRequests") or {}
    allowed = int(daily.get("Max") or 0)
    return allowed - int(daily.get("Remaining") or 0), allowed


class BulkUnsupported(Exception):
    """The Bulk API refused an object it does not support; it is read by REST instead."""


def _stamp(value: Any) -> str | None:
    """A SystemModstamp as a SOQL datetime literal, to the second (`2026-01-31T08:00:00Z`): with `>=`,
    dropping the milliseconds only repeats records at the boundary, never skips one."""
    if not value:
        return None
    return str(value)[:19] + "Z"


def _code(e: Exception) -> str | None:
    content = getattr(e, "content", None)
    if isinstance(content, list) and content and isinstance(content[0], dict):
        return content[0].get("errorCode")
    return None
