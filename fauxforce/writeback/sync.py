"""`fauxforce sync`: gold → Salesforce fields, as one mapping file declares (reverse ETL).

The mapping (`sync.yaml`, YAML) is a list of entries:

    - name: account-erp-facts            # the ledger's step for these writes (default: sync:<object>)
      object: Account
      table: gold.customer_360           # a gold table (or view)
      where: account_id is not null      # optional SQL condition on it
      match: {column: account_id, field: Id}   # Id: update the record with that Id; an external id: upsert
      fields:                            # gold column → Salesforce field
        invoiced_revenue: Lifetime_Value__c
        last_order_date: Last_Order_Date__c
      delete: false                      # true: delete records whose row left the table (default false)

Each run reads the rows, formats them as the Bulk API takes them (null as `#N/A`, so a value that became
empty empties the field), and sends only the rows whose values changed since they last landed: each row's
fingerprint is in `meta.load_rows`, so a row that failed or went unprocessed is sent again on the next run,
and a row that did not change is not sent at all. Nothing is deleted in Salesforce unless an entry says
`delete: true`; then records synced before whose row is gone are deleted, by the Id the org gave them.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import sqlalchemy as sa
import yaml

from fauxforce.connectors.salesforce import SalesforceConnector
from fauxforce.core import ledger
from fauxforce.core.warehouse import Warehouse
from fauxforce.writeback.load import NULL, Loader, LoadError, StepResult, Target, org_describes

DEFAULT_MAPPING = Path("sync.yaml")
NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


class SyncError(LoadError):
    """A mapping that cannot be used, or an org that lacks what it names: one line saying which and why."""


@dataclass(frozen=True)
class Entry:
    name: str
    object: str
    table: str
    where: str | None
    column: str  # gold column holding the record's key
    field: str  # Id, or an external id field
    fields: dict[str, str]  # gold column → Salesforce field
    delete: bool = False

    @property
    def target(self) -> Target:
        return Target(self.object, self.field, "update" if self.field == "Id" else "upsert")

    @property
    def step(self) -> str:
        return f"sync:{self.name}"


def read_mapping(path: Path) -> list[Entry]:
    """The entries of a mapping file, each checked; a clear one-line error naming the file and entry otherwise."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise SyncError(
            f"no sync mapping at {path}: write one (docs/writeback.md) or set FAUXFORCE_SYNC_MAPPING"
        ) from None
    except yaml.YAMLError as e:
        raise SyncError(f"{path} is not YAML: {str(e).splitlines()[0]}") from None
    if not isinstance(data, list) or not data:
        raise SyncError(f"{path}: a sync mapping is a list of entries (object, table, match, fields)")
    entries = [_entry(path, i, item) for i, item in enumerate(data, 1)]
    names = [e.name for e in entries]
    if len(set(names)) != len(names):
        raise SyncError(f"{path}: two entries share a name; give each its own `name`")
    return entries


def _entry(path: Path, n: int, item: Any) -> Entry:
    where = f"{path}, entry {n}"
    if not isinstance(item, dict):
        raise SyncError(f"{where}: an entry is a mapping of object, table, match and fields")
    unknown = set(item) - {"name", "object", "table", "where", "match", "fields", "delete"}
    if unknown:
        raise SyncError(f"{where}: unknown key {sorted(unknown)[0]!r}")
    match, fields = item.get("match"), item.get("fields")
    needs = f"{where}: needs object, match: {{column, field}} and fields: {{gold column: Salesforce field}}"
    if not (isinstance(match, dict) and isinstance(fields, dict) and fields):
        raise SyncError(needs)
    parts = [str(item.get("object") or ""), str(match.get("column") or ""), str(match.get("field") or "")]
    parts += [str(k) for k in fields] + [str(v) for v in fields.values()]
    if not (isinstance(match, dict) and isinstance(fields, dict) and fields and all(NAME.fullmatch(p) for p in parts)):
        raise SyncError(
            f"{where}: needs object, match: {{column, field}} and fields: {{gold column: Salesforce field}}"
        )
    table = str(item.get("table") or "")
    if not re.fullmatch(r"gold\.[a-z_][a-z0-9_]*", table):
        raise SyncError(f"{where}: table must be a gold table, as gold.<name>, not {table!r}")
    if item.get("delete") not in (None, True, False):
        raise SyncError(f"{where}: delete is true or false")
    name = str(item.get("name") or item["object"])
    return Entry(name, parts[0], table, item.get("where"), parts[1], parts[2], dict(fields), bool(item.get("delete")))


def as_bulk(value: Any) -> str:
    """A warehouse value as a Bulk API CSV field: null as #N/A (which empties the field), dates ISO, numbers plain."""
    if value is None:
        return NULL
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.datetime):
        stamp = value if value.tzinfo else value.replace(tzinfo=dt.UTC)
        return stamp.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return format(value.normalize(), "f") if value == value.to_integral() else str(value)
    if isinstance(value, float):
        return repr(value)
    return str(value)


def rows_of(wh: Warehouse, e: Entry) -> tuple[list[str], list[list[str]]]:
    """The header (key field, then the Salesforce fields) and a row per gold row with a key."""
    columns = [e.column, *e.fields]
    condition = f" WHERE ({e.where})" if e.where else ""
    sql = f"SELECT {', '.join(wh.q(c) for c in columns)} FROM {e.table}{condition} ORDER BY 1"
    try:
        with wh.engine.connect() as conn:
            found = conn.exec_driver_sql(sql).all()
    except sa.exc.DBAPIError as err:
        reason = str(err.orig).strip().splitlines()[0] if err.orig else type(err).__name__
        raise SyncError(f"sync entry {e.name}: cannot read {e.table} ({reason}); run the pipeline first?") from None
    rows = [[as_bulk(v) for v in r] for r in found if r[0] is not None]
    return [e.field, *e.fields.values()], rows


def check_org(sf: SalesforceConnector, entries: list[Entry]) -> None:
    """Every object and field the mapping names exists in the org and can be written: else one line naming them."""
    describes = org_describes(sf, {e.object for e in entries})
    problems = []
    for e in entries:
        d = describes.get(e.object)
        if d is None:
            problems.append(f"the org has no object {e.object}")
            continue
        have = {f["name"]: f for f in d.get("fields") or []}
        for name in e.fields.values():
            if name not in have:
                problems.append(f"{e.object}.{name} does not exist")
            elif have[name].get("updateable") is False:
                problems.append(f"{e.object}.{name} cannot be written")
        if e.field != "Id" and not (have.get(e.field) or {}).get("externalId"):
            problems.append(f"{e.object}.{e.field} is not an external id")
    if problems:
        raise SyncError("; ".join(problems) + ": create the fields in the org, or change the mapping")


def sync(
    sf: SalesforceConnector, wh: Warehouse, entries: list[Entry], loader: Loader | None = None
) -> list[StepResult]:
    """Send each entry's changed rows; with `delete`, delete the records whose rows are gone."""
    check_org(sf, entries)
    loader = loader or Loader(sf, wh)
    results = []
    for e in entries:
        header, rows = rows_of(wh, e)
        results.append(loader.send_rows(e.target, e.step, header, rows))
        if e.delete:
            results.append(_delete_gone(loader, e, {r[0] for r in rows}))
    return results


def _delete_gone(loader: Loader, e: Entry, keys: set[str]) -> StepResult:
    """Delete the records synced before whose key is no longer in the table (by the Id the org gave them)."""
    with loader.wh.engine.connect() as conn:
        synced = ledger.landed_ids(conn, loader.org, e.object, e.step)
    gone = [[sf_id] for key, sf_id in synced.items() if key not in keys]
    result = loader.send_rows(Target(e.object, "Id", "delete"), f"{e.step}:delete", ["Id"], gone)
    if gone:  # a deleted record is no longer synced: its rows leave the ledger, so a row that comes back is sent
        with loader.wh.engine.begin() as conn:
            deleted = ledger.landed_rows(conn, loader.org, e.object, f"{e.step}:delete")
            ledger.forget_rows(conn, loader.org, e.object, e.step, deleted)
    return result
