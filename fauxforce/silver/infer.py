"""The silver shape of any object: the catalogue's declaration where there is one, extended by every other
column the source brings; a shape inferred from scratch for an object the catalogue does not declare.

A column's type comes from, in order: the silver table (once a column exists, its type is kept), the live
source's describe, Salesforce naming conventions, and the values themselves:

- `Id` is the key; a field named `…Id` (`AccountId`, `account_id`) or a custom field (`…__c`) whose values are
  all Salesforce Ids is a lookup. Its target is the object its name says (`AccountId` → Account, a custom
  `Branch__c` → the custom object `Branch__c`); owners and audit users (`OwnerId`, `CreatedById`,
  `LastModifiedById`) point at User; polymorphic lookups (`WhoId`, `WhatId`) at nothing in particular.
- `Is…`/`Has…` with boolean values, `…Email`, `…Phone`/`Fax`, `…Country` by name.
- Timestamps and dates by their values (ISO 8601 or US spreadsheet text), numbers too, unless the name says
  the digits are a code (`…PostalCode`, `…Number`, `…Zip`); amounts (`…Amount`, `…Revenue`, `…Price`,
  `…Cost`) as money. Anything else is text, as it came.

An inferred object's cursor is its `SystemModstamp`, else `LastModifiedDate`, else `CreatedDate`; an object
with none of them (a spreadsheet-saved export) gets an empty `SystemModstamp` and is versioned by file
order. An ERP table the catalogue does not declare has no key silver can know, so it stays in bronze (and
the run says so).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Mapping

import pandas as pd

from fauxforce.bronze.land import header_key as key  # `StageName`, `stage_name` → `stagename`
from fauxforce.core.catalogue import DESCRIBE_TYPES, Column, ObjectRef, Table, snake
from fauxforce.silver.parse import PARSERS, parse_id

CURSORS = ("SystemModstamp", "LastModifiedDate", "CreatedDate")
SQL_TO_TYPE = {  # a silver column's SQL type → its type (TEXT columns are read again from their name)
    "BOOLEAN": "bool",
    "BIGINT": "int",
    "DOUBLE": "float",
    "DOUBLE PRECISION": "float",
    "NUMERIC": "money",
    "DECIMAL(18,2)": "money",
    "DATE": "date",
    "TIMESTAMP WITH TIME ZONE": "ts",
}
TEXT_TYPES = ("id", "text", "email", "phone", "country")  # the types silver stores as TEXT
USER_LOOKUPS = ("owner", "createdby", "lastmodifiedby")  # header keys of lookups to User
POLYMORPHIC = ("who", "what", "parent")  # lookups whose target differs record by record
MONEY = re.compile(r"(amount|revenue|price|cost|budget)$")
BOOL_TOKENS = ("true", "false", "1", "0", "yes", "no")
DIGIT_CODES = re.compile(r"(postalcode|zip|zipcode|number|code|phone|fax|ssn|sic|year.*)$")


def shape(
    ref: ObjectRef,
    declared: Table | None,
    raw: pd.DataFrame | Callable[[str], pd.Series],
    source_columns: list[str],
    described: Mapping[str, str],
    existing: Mapping[str, str],
    objects: Collection[str],
) -> Table | None:
    """This batch's silver shape of `ref`; None when no key can be known (an undeclared ERP table, or an object
    without `Id`). `existing`: the silver table's columns and SQL types; `objects`: the names of every object of
    the system that the warehouse has seen (lookup targets). `raw`: the batch, or what gives one of its columns'
    values (read only for a column whose type neither silver nor the describe says)."""
    if declared is None:
        if ref.system != "salesforce" or not any(key(c) == "id" for c in source_columns):
            return None
        id_column = next(c for c in source_columns if key(c) == "id")
        present = {key(c): c for c in source_columns}
        cursor = next((present[key(c)] for c in CURSORS if key(c) in present), "SystemModstamp")
        base = (  # the cursor is required, so a record without one is flagged `no_cursor`
            Column(id_column, snake("Id", ref.table), "id", True, None),
            Column(cursor, snake(cursor, ref.table), "ts", True, None),
        )
        declared = Table(ref, (id_column,), cursor, base)
    names = {c.name for c in declared.columns} | {f"{c.name}_code" for c in declared.columns if c.type == "country"}
    sources = {key(c.source) for c in declared.columns}
    by_key = {key(name): name for name in objects}
    extra: list[Column] = []
    for source in source_columns:
        if key(source) in sources or not re.fullmatch(r"[A-Za-z][A-Za-z0-9_]*", source):
            continue
        name = snake(source, declared.name)
        if name in names:
            name = f"{name}_c" if source.endswith("__c") and f"{name}_c" not in names else ""
        if not name or name.startswith("_"):
            continue
        values = None
        if existing.get(name, "") not in SQL_TO_TYPE and source not in described:  # the values are read
            values = (raw[source] if source in raw.columns else None) if isinstance(raw, pd.DataFrame) else raw(source)
        kind = _type(source, name, values, described, existing)
        parent = _target(source, by_key) if kind == "id" else None
        extra.append(Column(source, name, kind, False, parent))
        names.add(name)
        if kind == "country":
            names.add(f"{name}_code")
        sources.add(key(source))
    if not extra:
        return declared
    return Table(declared.ref, declared.key, declared.modstamp, (*declared.columns, *extra))


def column_type(source: str, values: list[str | None]) -> str:
    """The type silver gives a field of an undeclared object from its name and values alone (no describe, no
    silver table yet)."""
    return _type(source, source, pd.Series(values, dtype="string"), {}, {})


def _type(
    source: str,
    name: str,
    values: pd.Series | None,
    described: Mapping[str, str],
    existing: Mapping[str, str],
) -> str:
    sql = existing.get(name, "")
    if sql in SQL_TO_TYPE:
        return SQL_TO_TYPE[sql]
    k = key(re.sub(r"__?c$", "", source))  # a custom field is named like a standard one: Branch_Zip__c → branchzip
    if source in described:
        kind = DESCRIBE_TYPES.get(described[source], "text")
        if kind == "text" and _country(k) and described[source] in ("string", "picklist", "combobox"):
            kind = "country"  # describe has no country type: a text field named so is one, as in a file
        return kind if not (sql == "TEXT" and kind not in TEXT_TYPES) else "text"
    checkbox = re.match(r"(Is|Has)[A-Z0-9]|(is|has)_", source) is not None  # IsDeleted, is_deleted
    text = values.astype("string").str.strip().replace("", pd.NA).dropna() if values is not None else pd.Series([])
    if checkbox and text.str.lower().isin(list(BOOL_TOKENS)).all():
        return "bool" if sql != "TEXT" else "text"  # an empty checkbox column too: empty is unticked
    by_values = _by_values(key(source), k, text) if len(text) else _by_name(k)
    if sql == "TEXT" and by_values not in TEXT_TYPES:
        return "text"
    return by_values


def _by_name(k: str) -> str:
    if k in ("createddate", "lastmodifieddate", "systemmodstamp"):
        return "ts"
    if k.endswith("id") and k != "id":
        return "id"
    return "country" if _country(k) else "text"


def _by_values(full: str, k: str, text: pd.Series) -> str:
    """`full`: the name's key; `k`: without a custom field's `__c`."""
    lookup = k.endswith("id") or full != k  # `AccountId`, or a custom field (a custom lookup is named for its object)
    if lookup and text.str.len().isin([15, 18]).all() and not parse_id(text)[1].any():
        return "id"
    if k.endswith("email"):
        return "email"
    if k.endswith(("phone", "fax")):
        return "phone"
    if _country(k):
        return "country"
    if text.str.lower().isin(["true", "false"]).all():
        return "bool"
    if text.str.contains(r"^\d{4}-\d{2}-\d{2}|^\d{1,2}/\d{1,2}/\d{2,4}", regex=True).all():
        bad = PARSERS["ts"](text)[1]
        if not bad.any():
            timed = text.str.contains(r"\d{1,2}:\d{2}", regex=True).any()
            return "ts" if timed else "date"
    if DIGIT_CODES.search(k) is None:
        bad = PARSERS["float"](text)[1]
        if not bad.any() and not text.str.fullmatch(r"0\d+").any():
            return "money" if MONEY.search(k) else "float"
    return "text"


def _country(k: str) -> bool:
    return k.endswith("country") and not k.endswith("countrycode")


def _target(source: str, objects: Mapping[str, str]) -> str | None:
    """The object a lookup field points at, by its name; None when it cannot be told."""
    k = key(source)
    if source.endswith("__c"):
        return objects.get(k)  # a custom lookup named for its custom object: Branch__c → Branch__c
    base = k.removesuffix("id")
    if base in USER_LOOKUPS:
        return "User"
    if base in POLYMORPHIC:
        return None
    return objects.get(base)
