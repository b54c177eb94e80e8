"""Salesforce describe metadata: read a folder of it, write one, and what a field's entry says.

A describe folder holds what `GET /sobjects/<Object>/describe` returned, one JSON file per object
(`Account.json`, `Account_describe.json`: the file name does not matter, the `name` inside does), and
optionally what describe global returned (a file with `sobjects`, used for key prefixes) and the org's
`OpportunityStage` records (a file named `OpportunityStage.json`: a query result or a list of records,
each with `ApiName` or `MasterLabel`, `IsClosed`, `IsWon`, `ForecastCategoryName`, `DefaultProbability`).

The generator shapes a twin by it (`fauxforce generate --describe`), writes it beside the export
(`OUT/describe/<Object>.json`), the `csv` connector types a landing folder's columns by it as the
`salesforce` connector types an org's, and the mock org answers describe with it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from fauxforce.core.catalogue import Table

FOLDER = "describe"  # beside `salesforce/` in an export or landing folder
STAGES_FILE = "OpportunityStage.json"
CURRENCIES_FILE = "CurrencyType.json"  # the org's CurrencyType records: IsoCode, ConversionRate, IsCorporate
# Objects whose records, not describe, a describe folder holds (what stages mean, what currencies are worth)
RECORD_FILES = {"OpportunityStage": STAGES_FILE, "CurrencyType": CURRENCIES_FILE}
# Objects a twin writes from the metadata (those records, recordTypeInfos, owners' referenceTo), never from
# their own describe
MADE_FROM_METADATA = (*RECORD_FILES, "RecordType", "Group")
UNQUERYABLE = ("address", "location")  # compound fields: described, never queried through the Bulk API
SF_TYPES = {  # silver's column type → describe type
    "id": "id",
    "key": "string",
    "text": "string",
    "email": "email",
    "phone": "phone",
    "country": "string",
    "bool": "boolean",
    "int": "int",
    "float": "double",
    "money": "currency",
    "date": "date",
    "ts": "datetime",
}
COMPOUND = {  # object → compound field → prefix of its components
    "Account": {"BillingAddress": "Billing", "ShippingAddress": "Shipping"},
    "Contact": {"MailingAddress": "Mailing"},
    "Lead": {"Address": ""},
    "User": {"Address": ""},
}
ADDRESS_PARTS = ("Street", "City", "State", "PostalCode", "Country", "Latitude", "Longitude")


class DescribeError(ValueError):
    """A describe folder or file that cannot be used: the message names the file and what is wrong."""


@dataclass(frozen=True)
class Stage:
    """One value of Opportunity.StageName and what it means, as the org's OpportunityStage says."""

    name: str
    closed: bool
    won: bool
    forecast: str | None = None
    probability: float | None = None


@dataclass
class Describes:
    """The sObject describes of a folder by object name, key prefixes from describe global, and stages."""

    objects: dict[str, dict[str, Any]] = field(default_factory=dict)
    prefixes: dict[str, str] = field(default_factory=dict)
    stages: list[Stage] | None = None
    currencies: list[dict[str, Any]] | None = None  # CurrencyType records, when the folder has them
    files: list[Path] = field(default_factory=list)

    def prefix(self, name: str) -> str | None:
        d = self.objects.get(name, {})
        return d.get("keyPrefix") or self.prefixes.get(name)


def queryable(entry: Mapping[str, Any]) -> bool:
    return entry.get("type") not in UNQUERYABLE and not entry.get("deprecatedAndHidden", False)


def field_types(describe: Mapping[str, Any]) -> tuple[dict[str, str], dict[str, list[str]]]:
    """A describe's queryable fields → describe type, and each picklist's active values."""
    fields = [f for f in describe.get("fields") or [] if f.get("type") not in UNQUERYABLE]
    types = {str(f["name"]): str(f.get("type") or "string") for f in fields}
    picklists = {
        str(f["name"]): active_values(f)
        for f in fields
        if f.get("type") in ("picklist", "multipicklist") and f.get("picklistValues")
    }
    return types, picklists


def active_values(entry: Mapping[str, Any]) -> list[str]:
    return [str(v["value"]) for v in entry.get("picklistValues") or [] if v.get("active", True)]


def read_folder(folder: Path) -> Describes:
    """Every describe in `folder` (not its subfolders); a file that is not one is an error naming it."""
    if not folder.is_dir():
        raise DescribeError(f"describe folder {folder} does not exist")
    out = Describes()
    for path in sorted(folder.glob("*.json")):
        data = _load(path)
        if path.name == STAGES_FILE:
            out.stages = _stages(path, data)
        elif path.name == CURRENCIES_FILE:
            out.currencies = _currencies(path, data)
        elif isinstance(data, dict) and isinstance(data.get("fields"), list) and data.get("name"):
            _check_fields(path, data["fields"])
            name = str(data["name"])
            if name in out.objects:
                raise DescribeError(f"{path}: a second describe of {name}")
            out.objects[name] = data
        elif isinstance(data, dict) and isinstance(data.get("sobjects"), list):
            out.prefixes.update({str(o["name"]): str(o["keyPrefix"]) for o in data["sobjects"] if o.get("keyPrefix")})
        else:
            raise DescribeError(
                f"{path}: not a describe (an sObject describe has `name` and `fields`, describe global `sobjects`)"
            )
        out.files.append(path)
    if not out.objects:
        raise DescribeError(f"{folder} holds no sObject describe (`<Object>.json` with `name` and `fields`)")
    return out


def _check_fields(path: Path, fields: list[Any]) -> None:
    for i, f in enumerate(fields):
        if not isinstance(f, dict) or not isinstance(f.get("name"), str) or not isinstance(f.get("type"), str):
            raise DescribeError(f"{path}: field {i + 1} has no `name` and `type`")


def _load(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as e:
        raise DescribeError(f"{path}: not readable JSON ({type(e).__name__}: {e})") from None


def records_in(path: Path, data: Any, name: str) -> list[dict[str, Any]]:
    """The records of a metadata file: a query result (`records`) or a list, of objects, not empty."""
    records = data.get("records") if isinstance(data, dict) else data
    if not isinstance(records, list) or not records or not all(isinstance(r, dict) for r in records):
        raise DescribeError(f"{path}: expected {name} records (a query result or a list)")
    return records


def read_records(path: Path, name: str) -> list[dict[str, Any]]:
    """The `name` records of a metadata file a describe folder holds (`OpportunityStage.json`)."""
    data = _load(path)
    return records_in(path, data, name)


def _stages(path: Path, data: Any) -> list[Stage]:
    records = records_in(path, data, "OpportunityStage")
    stages = []
    for r in sorted(records, key=lambda r: (r.get("SortOrder") is None, r.get("SortOrder") or 0)):
        name = r.get("ApiName") or r.get("MasterLabel")
        if not name or "IsClosed" not in r or "IsWon" not in r:
            raise DescribeError(f"{path}: every stage needs ApiName (or MasterLabel), IsClosed and IsWon")
        if r.get("IsActive") is False:
            continue
        p = r.get("DefaultProbability")
        stages.append(Stage(str(name), bool(r["IsClosed"]), bool(r["IsWon"]), r.get("ForecastCategoryName"), p))
    return stages


def _currencies(path: Path, data: Any) -> list[dict[str, Any]]:
    records = records_in(path, data, "CurrencyType")
    for r in records:
        rate = r.get("ConversionRate")
        if not isinstance(r.get("IsoCode"), str) or not isinstance(rate, (int, float)) or rate <= 0:
            raise DescribeError(f"{path}: every currency needs IsoCode and a positive ConversionRate")
    return [r for r in records if r.get("IsActive", True)]


def write_folder(folder: Path, describes: Iterable[Mapping[str, Any]]) -> list[Path]:
    """One `<Object>.json` per describe, keys sorted, so the same metadata gives the same bytes."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for d in describes:
        path = folder / f"{d['name']}.json"
        write_json(path, d)
        paths.append(path)
    return paths


def write_json(path: Path, data: Any) -> None:
    path.write_text(json.dumps(data, indent=1, sort_keys=True, ensure_ascii=False) + "\n", encoding="utf-8")


def currency_records(
    codes: Iterable[str], rates: Mapping[str, float], decimals: Mapping[str, int], corporate: str
) -> dict[str, Any]:
    """CurrencyType records as a query returns them, for `CurrencyType.json` beside an export."""
    records = [
        {
            "IsoCode": code,
            "ConversionRate": rates[code],
            "DecimalPlaces": decimals[code],
            "IsActive": True,
            "IsCorporate": code == corporate,
        }
        for code in codes
    ]
    return {"records": records}


def stage_records(stages: list[Stage]) -> dict[str, Any]:
    """OpportunityStage records as a query returns them, for `OpportunityStage.json` beside an export."""
    records = [
        {
            "ApiName": s.name,
            "MasterLabel": s.name,
            "IsActive": True,
            "IsClosed": s.closed,
            "IsWon": s.won,
            "ForecastCategoryName": s.forecast,
            "DefaultProbability": s.probability,
            "SortOrder": i + 1,
        }
        for i, s in enumerate(stages)
    ]
    return {"records": records}


def read_object(folder: Path, name: str) -> dict[str, Any] | None:
    """The describe of `name` in a folder written by `write_folder` (None when it has none, or holds the
    object's records: OpportunityStage, CurrencyType)."""
    path = folder / f"{name}.json"
    if not path.is_file() or name in RECORD_FILES:
        return None
    data = _load(path)
    if not isinstance(data, dict) or not isinstance(data.get("fields"), list):
        raise DescribeError(f"{path}: not an sObject describe (no `fields`)")
    return data


# ---- describe entries for files the catalogue declares, or that no describe came with -----------------


def by_name(name: str, values: list[str | None]) -> str:
    """The describe type of a field no catalogue declares, by Salesforce's naming alone (the mock org types by
    values too, as silver infers them: `fauxforce.mock.org.by_values`)."""
    if name == "Id":
        return "id"
    if name in ("CreatedDate", "LastModifiedDate", "SystemModstamp"):
        return "datetime"
    if re.match(r"(Is|Has)[A-Z]", name):
        return "boolean"
    return "reference" if name.endswith("Id") else "string"


def describe_fields(
    table: Table | None,
    name_of: str,
    header: list[str],
    values: dict[str, list[str | None]] | None = None,
    kind_of: Callable[[str, list[str | None]], str] = by_name,
) -> list[dict[str, Any]]:
    """Describe entries for the columns of an export, plus the object's compound address fields; a column the
    catalogue does not declare is typed by `kind_of(name, values)`."""
    declared = {c.source: c for c in table.columns} if table else {}
    compound = COMPOUND.get(name_of, {})
    out = []
    for name in header:
        c = declared.get(name)
        kind = SF_TYPES[c.type] if c else kind_of(name, (values or {}).get(name, []))
        if c and c.type == "id" and name != "Id":
            kind = "reference"
        parent = next(
            (cf for cf, prefix in compound.items() if name.startswith(prefix) and name[len(prefix) :] in ADDRESS_PARTS),
            None,
        )
        out.append(
            {
                "name": name,
                "label": name.removesuffix("__c").replace("_", " "),
                "type": kind,
                "custom": name.endswith("__c"),
                "nillable": not (c and c.required),
                "referenceTo": [c.parent] if c and c.parent and kind == "reference" else [],
                "compoundFieldName": parent,
                "length": 255 if kind in ("string", "email", "phone") else 0,
            }
        )
    present = {f["compoundFieldName"] for f in out if f["compoundFieldName"]}
    for cf in compound:
        if cf in present:
            out.append(
                {
                    "name": cf,
                    "label": cf,
                    "type": "address",
                    "custom": False,
                    "nillable": True,
                    "referenceTo": [],
                    "compoundFieldName": None,
                    "length": 0,
                }
            )
    return out


# ---- what a field's entry says about writing ------------------------------------------------------------
# A real org's describe says per field whether the API takes it (`createable`, `updateable`) and how a
# reference is named in a Bulk API column (`relationshipName`). Describes made from the catalogue or a folder
# of files do not, so `with_write_facts` fills them in by Salesforce's own rules: the fields the org keeps
# itself (audit fields, roll-ups, values derived from the stage or status) are neither createable nor
# updateable, and the objects the org writes itself take no record at all.
AUDIT_FIELDS = frozenset(
    {
        "Id",
        "IsDeleted",
        "CreatedDate",
        "CreatedById",
        "LastModifiedDate",
        "LastModifiedById",
        "SystemModstamp",
        "LastActivityDate",
        "LastViewedDate",
        "LastReferencedDate",
        "MasterRecordId",
    }
)
DERIVED_FIELDS: dict[str, frozenset[str]] = {  # object → fields the org derives from others (read-only)
    "Opportunity": frozenset(
        {
            "IsClosed",
            "IsWon",
            "ExpectedRevenue",
            "HasOpportunityLineItem",
            "FiscalQuarter",
            "FiscalYear",
            "Fiscal",
            "LastStageChangeDate",
            "HasOpenActivity",
            "HasOverdueTask",
            "ForecastCategory",
            "LastAmountChangedHistoryId",
            "LastCloseDateChangedHistoryId",
        }
    ),
    "OpportunityLineItem": frozenset({"ListPrice", "Subtotal", "Name", "ProductCode"}),
    "Case": frozenset({"IsClosed", "ClosedDate", "IsEscalated"}),
    "Lead": frozenset({"IsConverted", "ConvertedDate", "ConvertedAccountId", "ConvertedContactId"})
    | frozenset({"ConvertedOpportunityId"}),
    "User": frozenset({"LastLoginDate", "LastPasswordChangeDate"}),
}
# Objects the org writes itself: field history, stage history, sharing, feeds.
READ_ONLY_OBJECTS = re.compile(r".*(History|Share|Feed)$|OpportunityStage$")
# Fields of which a record takes one or the other, never both on create (Salesforce refuses the record).
EITHER_OR: dict[str, tuple[str, str]] = {"OpportunityLineItem": ("UnitPrice", "TotalPrice")}


def with_write_facts(object_name: str, entries: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Describe entries with `createable`, `updateable`, `relationshipName`, `externalId` and
    `defaultedOnCreate` filled in where the entry does not say (a real org's describe always does)."""
    read_only_object = bool(READ_ONLY_OBJECTS.fullmatch(object_name))
    derived = DERIVED_FIELDS.get(object_name, frozenset())
    out = []
    for e in entries:
        name = str(e["name"])
        writable = not (
            read_only_object
            or name in AUDIT_FIELDS
            or name in derived
            or e.get("type") in ("id", *UNQUERYABLE)
            or e.get("calculated")
            or e.get("autoNumber")
        )
        facts: dict[str, Any] = {
            "createable": writable,
            "updateable": writable,
            "externalId": False,
            "defaultedOnCreate": name in AUDIT_FIELDS or name == "OwnerId",
        }
        if e.get("type") == "reference":
            facts["relationshipName"] = relationship_name(name)
        entry = facts | e
        if name in EITHER_OR.get(object_name, ()):  # the org needs one of the two, so neither alone is required
            entry["nillable"] = True
        out.append(entry)
    return out


def relationship_name(field_name: str) -> str | None:
    """The relationship a reference field is written through: `AccountId` → `Account`, `Parent__c` →
    `Parent__r` (Salesforce's convention; a real describe says it in `relationshipName`)."""
    if field_name.endswith("__c"):
        return field_name[:-3] + "__r"
    if field_name.endswith("Id") and len(field_name) > 2:
        return field_name[:-2]
    return None
