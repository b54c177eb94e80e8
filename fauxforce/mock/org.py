"""The records and metadata a mock org serves: a generated org, typed as Salesforce's REST API types them.

`MockOrg.generate(seed, scale, as_of)` writes a generated org to a temporary folder and reads its
Salesforce objects back: each record as JSON-ready values (booleans, numbers, `2026-01-31` dates,
`2026-01-31T08:00:00.000+0000` datetimes, null). Describe metadata comes from the same declarations
silver types by, plus the compound address fields a real org describes (`BillingAddress`, …),
which can be described but, as in Salesforce's Bulk API, not queried. `advance()` moves the org on
by one simulated day: records created and changed that day appear with their newer SystemModstamp.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv

from fauxforce.core import describe
from fauxforce.core.catalogue import BY_REF, ObjectRef, Table
from fauxforce.generators.ids import ids_for
from fauxforce.generators.org import Options, generate_org
from fauxforce.silver.infer import column_type

RUNNING_USER = "005000000000001AAA"  # the user the mock's API sessions run as: creator and default owner


@dataclass
class SObject:
    name: str
    fields: list[dict[str, Any]]  # describe entries
    records: list[dict[str, Any]] = field(default_factory=list)
    meta: dict[str, Any] = field(default_factory=dict)  # the describe's other keys (keyPrefix, label, custom, …)

    @property
    def key_prefix(self) -> str | None:
        """The describe's key prefix, else the one its records' Ids share (as the org would answer)."""
        if self.meta.get("keyPrefix"):
            return str(self.meta["keyPrefix"])
        prefixes = {str(r["Id"])[:3] for r in self.records if r.get("Id")}
        return prefixes.pop() if len(prefixes) == 1 else None

    @property
    def types(self) -> dict[str, str]:
        """Queryable fields (compound fields are not) → describe type."""
        return {f["name"]: f["type"] for f in self.fields if f["type"] not in ("address", "location")}


def by_values(name: str, values: list[str | None]) -> str:
    """The describe type of a field no catalogue or describe declares: the type silver infers for it from the
    same file (name and values), so an org served from a folder reaches the same silver as the folder."""
    kind = column_type(name, values)
    if kind == "id":
        return "id" if name == "Id" else "reference"
    return describe.SF_TYPES[kind]


def _value(text: str | None, kind: str) -> Any:
    if text is None or text == "":
        return None
    if kind == "boolean":
        return text.lower() in ("true", "1")
    if kind == "int":
        return int(float(text))
    if kind in ("double", "currency", "percent"):
        return float(text)
    if kind == "datetime":
        return text.replace("Z", "+0000") if text.endswith("Z") else text
    return text


def read_object(path: Path, name: str, table: Table | None, described: dict[str, Any] | None = None) -> SObject:
    """The records of one export file; typed, and described, by its describe where the folder has one."""
    header = pacsv.open_csv(path).schema.names
    data = pacsv.read_csv(
        path,
        convert_options=pacsv.ConvertOptions(
            column_types={n: pa.string() for n in header}, strings_can_be_null=True, null_values=[""]
        ),
    )
    columns = {n: data.column(n).to_pylist() for n in header}
    if described is not None:
        fields = list(described["fields"])
        missing = [n for n in header if n not in {f["name"] for f in fields}]
        fields += describe.describe_fields(table, name, missing, columns, by_values)  # what it does not list
    else:
        fields = describe.describe_fields(table, name, header, columns, by_values)
    fields = describe.with_write_facts(name, fields)
    types = {f["name"]: f["type"] for f in fields}
    records = [{n: _value(columns[n][i], types[n]) for n in header} for i in range(data.num_rows)]
    meta = {k: v for k, v in (described or {}).items() if k != "fields"}
    return SObject(name, fields, records, meta)


STAGE_FIELDS = {
    "Id": "id",
    "ApiName": "string",
    "MasterLabel": "string",
    "IsActive": "boolean",
    "IsClosed": "boolean",
    "IsWon": "boolean",
    "ForecastCategoryName": "picklist",
    "DefaultProbability": "percent",
    "SortOrder": "int",
}


def stage_object(path: Path) -> SObject:
    """The org's OpportunityStage records from a describe folder's `OpportunityStage.json` (a twin writes it)."""
    rows = describe.read_records(path, "OpportunityStage")
    ids = ids_for("01J", np.arange(1, len(rows) + 1, dtype=np.int64)).to_pylist()
    records = [
        {"Id": r.get("Id") or i} | {f: r.get(f) for f in STAGE_FIELDS if f != "Id"}
        for i, r in zip(ids, rows, strict=True)
    ]
    fields = [
        {"name": f, "label": f, "type": t, "nillable": f != "Id", "custom": False} for f, t in STAGE_FIELDS.items()
    ]
    return SObject("OpportunityStage", fields, records)


def _link_references(objects: dict[str, SObject]) -> None:
    """Give a reference field no describe or catalogue declares (`referenceTo` empty) the objects its values
    point at, by their Ids' key prefixes, as the org's describe would name them."""
    by_prefix: dict[str, str] = {}
    for name, obj in objects.items():
        if obj.key_prefix:
            by_prefix.setdefault(obj.key_prefix, name)
    for obj in objects.values():
        for f in obj.fields:
            if f.get("type") == "reference" and not f.get("referenceTo"):
                prefixes = {str(r[f["name"]])[:3] for r in obj.records if r.get(f["name"])}
                f["referenceTo"] = sorted(by_prefix[p] for p in prefixes if p in by_prefix)


class MockOrg:
    """Every Salesforce object of a generated org (or of any folder of exports), by API name."""

    def __init__(self, objects: dict[str, SObject], options: Options | None = None) -> None:
        self.objects = objects
        self.options = options
        self._lower = {name.lower(): name for name in objects}
        self.no_bulk: set[str] = set()  # objects whose Bulk API jobs are refused, as Salesforce refuses some

    @classmethod
    def from_landing(cls, landing: Path, options: Options | None = None) -> MockOrg:
        """The org whose objects are the `salesforce/<Object>.csv` files of a landing folder, described by its
        `describe/<Object>.json` where it has one (a twin has); otherwise declared objects are typed by the
        catalogue and any other (custom objects, Task, …) by Salesforce's naming conventions."""
        objects = {}
        for path in sorted((landing / "salesforce").glob("*.csv")):
            table = BY_REF.get(ObjectRef("salesforce", path.stem))
            described = describe.read_object(landing / describe.FOLDER, path.stem)
            objects[path.stem] = read_object(path, path.stem, table, described)
        stages = landing / describe.FOLDER / describe.STAGES_FILE
        if stages.is_file() and "OpportunityStage" not in objects:
            objects["OpportunityStage"] = stage_object(stages)
        _link_references(objects)
        return cls(objects, options)

    @classmethod
    def generate(
        cls, seed: int = 42, scale: float = 0.1, as_of: dt.date = dt.date(2026, 6, 30), days: int = 365
    ) -> MockOrg:
        start = as_of - dt.timedelta(days=days)
        options = Options(out=Path(), seed=seed, scale=scale, as_of=as_of, start=start)
        return cls._at(options)

    @classmethod
    def _at(cls, options: Options) -> MockOrg:
        with tempfile.TemporaryDirectory(prefix="fauxforce-mock-") as tmp:
            out = Path(tmp) / "org"
            generate_org(dataclasses.replace(options, out=out))
            return cls.from_landing(out, options)

    def sandbox(self, external_id: str = "Fauxforce_Id__c") -> MockOrg:
        """An empty org with this org's objects and fields, as a fresh sandbox of it is: no records but one
        user (the API's own), and on every object the API can write, an external id field `external_id` (the
        Text(18) field marked External ID and Unique that `fauxforce load-org` upserts by)."""
        objects = {}
        for name, obj in self.objects.items():
            fields = [dict(f) for f in obj.fields if f["name"] != external_id]
            if any(f.get("createable") for f in fields):
                fields.append(
                    {
                        "name": external_id,
                        "label": external_id.removesuffix("__c").replace("_", " "),
                        "type": "string",
                        "length": 18,
                        "custom": True,
                        "nillable": True,
                        "externalId": True,
                        "unique": True,
                        "idLookup": True,
                        "createable": True,
                        "updateable": True,
                        "referenceTo": [],
                        "compoundFieldName": None,
                    }
                )
            meta = dict(obj.meta) | {"keyPrefix": obj.key_prefix}
            objects[name] = SObject(name, fields, [], meta)
        if "User" in objects:
            queryable = [f["name"] for f in objects["User"].fields if f["type"] not in describe.UNQUERYABLE]
            user: dict[str, Any] = dict.fromkeys(queryable)
            user |= {"Id": RUNNING_USER, "IsActive": True, "IsDeleted": False, "Username": "fauxforce@example.com"}
            objects["User"].records.append(user)
        return MockOrg(objects)

    def get(self, name: str) -> SObject | None:
        real = self._lower.get(name.lower())
        return self.objects.get(real) if real else None

    @property
    def as_of(self) -> dt.date | None:
        return self.options.as_of if self.options else None

    def advance(self, days: int = 1) -> int:
        """Move the org on by `days`: records created or changed meanwhile appear; return how many changed."""
        if self.options is None:
            raise ValueError("only a generated org can advance")
        options = Options(
            out=Path(),
            seed=self.options.seed,
            scale=self.options.scale,
            as_of=self.options.as_of + dt.timedelta(days=days),
            start=self.options.period_start,
        )
        newer = MockOrg._at(options)
        changed = 0
        for name, obj in newer.objects.items():
            old = {r["Id"]: r for r in self.objects[name].records} if name in self.objects else {}
            changed += sum(1 for r in obj.records if old.get(r["Id"]) != r)
        self.objects, self.options = newer.objects, options
        return changed
