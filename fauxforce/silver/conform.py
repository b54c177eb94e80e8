"""One bronze batch → typed silver rows and quarantined rows, with nothing lost on the way.

Pure functions (no warehouse): parse every declared column, validate the typed frame with the
table's pandera model (lazily, so every failure is reported at once), check that every reference
resolves, and keep the latest version of each key. A row that fails anything is quarantined with
the check, the column, the offending value and its bronze lineage; bronze rows in = silver rows +
quarantined rows + duplicates (older versions of a key).
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cache
from urllib.parse import unquote

import pandas as pd
import pandera.pandas as pa
import pyarrow as pa_arrow
import pyarrow.compute as pc
from pandera.typing import Series

from fauxforce.core.catalogue import BY_REF, ObjectRef, Table
from fauxforce.core.salesforce import STAGES
from fauxforce.silver.parse import PARSERS, _flag, parse_country

LINEAGE = (  # bronze's own columns
    "_batch_id",
    "_row_number",
    "_source_uri",
    "_ingested_at",
    "_row_hash",
    "_line_number",
    "_issue",
    "_raw",
)
ERP_NO_DATE = ("0", "00000000")  # ERP dumps write a missing date as a zero integer
DTYPES = {
    "id": "string",
    "key": "string",
    "text": "string",
    "email": "string",
    "phone": "string",
    "country": "string",
    "bool": "boolean",
    "int": "Int64",
    "float": "Float64",
    "money": "Float64",
    "date": "datetime64[us]",
    "ts": "datetime64[us, UTC]",
}
# Value rules beyond types, by (table, column), as pandera Field checks.
CHECKS: dict[tuple[str, str], dict[str, object]] = {
    ("opportunity", "stage_name"): {"isin": [stage[0] for stage in STAGES]},
    ("opportunity_history", "stage_name"): {"isin": [stage[0] for stage in STAGES]},
    ("opportunity", "probability"): {"in_range": {"min_value": 0, "max_value": 100}},
    ("opportunity", "amount"): {"ge": 0},
    ("opportunity_line_item", "quantity"): {"gt": 0},
    ("sales_order_lines", "quantity"): {"gt": 0},
    ("returns", "quantity"): {"gt": 0},
    ("invoices", "amount"): {"ge": 0},
    ("payments", "amount"): {"gt": 0},
}


@cache
def model(table: Table) -> type[pa.DataFrameModel]:
    """The table's pandera DataFrameModel, built from its declaration."""
    annotations: dict[str, object] = {}
    attrs: dict[str, object] = {}
    for c in table.columns:
        annotations[c.name] = Series[DTYPES[c.type]]  # type: ignore[valid-type,name-defined]  # built at run time
        checks = CHECKS.get((table.name, c.name), {})
        attrs[c.name] = pa.Field(nullable=not c.required, coerce=False, **checks)  # type: ignore[arg-type]
    attrs["__annotations__"] = annotations
    attrs["Config"] = type("Config", (), {"strict": False, "name": f"silver.{table.name}"})
    name = "".join(part.capitalize() for part in table.name.split("_")) + "Silver"
    return type(name, (pa.DataFrameModel,), attrs)


@dataclass
class Conformed:
    good: pd.DataFrame  # silver columns + _batch_id, _row_number
    quarantined: pd.DataFrame
    duplicates: int
    reasons: Counter[str] = field(default_factory=Counter)

    @property
    def rows_in(self) -> int:
        return len(self.good) + len(self.quarantined) + self.duplicates


QUARANTINE_COLUMNS = (
    "_batch_id",
    "_row_number",
    "_source_uri",
    "reason",
    "check_name",
    "column_name",
    "failure_value",
    "failures",
    "record",
    "_line_number",
)
EXPLAIN = {  # check → what it means, for the reason a person reads
    "parse_id": "is not a Salesforce Id (15 or 18 letters and digits, valid checksum)",
    "parse_key": "is not a key",
    "parse_email": "is not an email address",
    "parse_phone": "is not a phone number",
    "parse_country": "is not a country name or ISO code",
    "parse_bool": "is not a boolean (true/false, 1/0, yes/no)",
    "parse_int": "is not a whole number",
    "parse_float": "is not a number",
    "parse_money": "is not an amount (a number, optionally with a currency and grouped thousands)",
    "parse_date": "is not a date (YYYY-MM-DD, YYYYMMDD or MM/DD/YYYY)",
    "parse_ts": "is not a date and time (ISO 8601, or MM/DD/YY hh:mm AM)",
    "not_nullable": "is missing, and the column requires a value",
    "isin": "is not one of the allowed values",
    "unique": "is repeated",
}


def conform(
    table: Table,
    raw: pd.DataFrame,
    parent_keys: Callable[[str], pa_arrow.Array],
) -> Conformed:
    """Type, validate and de-duplicate one bronze batch (all text, source column names, lineage columns)."""
    raw = raw.reset_index(drop=True)
    n = len(raw)
    typed: dict[str, pd.Series] = {}
    failures: dict[int, list[tuple[str, str, str]]] = {}

    def fail(mask: pd.Series, check: str, column: str, values: pd.Series) -> None:
        for i in mask[mask].index:
            failures.setdefault(int(i), []).append((check, column, _text(values.iloc[i])))

    if "_issue" in raw.columns:  # a record the reader could not take as it is (a ragged row)
        issue = raw["_issue"].astype("string")
        broken = _flag(issue.notna())
        for i in broken[broken].index:
            check, _, detail = str(issue.iloc[i]).partition(": ")
            failures.setdefault(int(i), []).append((check, "", detail))

    lookup = {c.lower(): c for c in raw.columns}
    for c in table.columns:
        source = lookup.get(c.source.lower())
        values = raw[source] if source else pd.Series(pd.NA, index=raw.index, dtype="string")
        if c.type == "date" and table.ref.system == "erp":
            values = values.mask(_flag(values.astype("string").str.strip().isin(ERP_NO_DATE)))
        if c.type == "country":
            name, code, bad = parse_country(values)
            typed[c.name], typed[f"{c.name}_code"] = name, code
        else:
            parsed, bad = PARSERS[c.type](values)
            if c.type == "bool" and table.ref.system == "salesforce":  # a checkbox is never null: empty is unticked
                parsed = parsed.mask(_flag(parsed.isna()) & ~bad, False)
            typed[c.name] = parsed.astype(DTYPES[c.type]) if c.type not in ("date", "ts") else _as(parsed, c.type)
        if bad.any():
            fail(bad, f"parse_{c.type}", c.name, values)
    frame = pd.DataFrame(typed, index=raw.index)

    try:
        model(table).validate(frame, lazy=True)
    except pa.errors.SchemaErrors as errors:
        for case in errors.failure_cases.itertuples(index=False):
            column = str(case.column)
            check = str(case.check).split("(", 1)[0]  # `isin([...])` → `isin`
            if case.index is None or pd.isna(case.index):  # a whole-column failure: every row
                for i in range(n):
                    failures.setdefault(i, []).append((check, column, _text(case.failure_case)))
            else:
                failures.setdefault(int(case.index), []).append((check, column, _text(case.failure_case)))

    key_cols = table.key_columns
    for c in table.columns:
        if not c.parent:
            continue
        parent = BY_REF[ObjectRef(table.ref.system, c.parent)]  # a parent is in the same system
        known = parent_keys(parent.name)
        if parent.name == table.name:  # a reference within the batch itself (ParentId, ReportsToId)
            own = pa_arrow.array(frame[key_cols[0]].dropna().to_numpy(dtype=object), type=pa_arrow.string())
            known = pa_arrow.concat_arrays([known.cast(pa_arrow.string()), own])
        values = pa_arrow.array(frame[c.name].to_numpy(dtype=object, na_value=None), type=pa_arrow.string())
        found = pc.is_in(values, value_set=known.cast(pa_arrow.string())).to_numpy(zero_copy_only=False)
        orphan = pd.Series(~found, index=frame.index) & frame[c.name].notna().to_numpy()
        if orphan.any():
            fail(orphan, f"orphan:{parent.name}", c.name, frame[c.name])

    bad_rows = sorted(failures)
    quarantined = _quarantine(table, raw, failures, bad_rows)
    reasons = Counter(fs[0][0] for fs in failures.values())
    good = frame.drop(index=bad_rows)
    for col in ("_batch_id", "_row_number"):
        good[col] = raw.loc[good.index, col].astype("int64")
    # Keep the latest version of each key: newest modstamp, then the later row of the batch.
    before = len(good)
    good = good.sort_values([table.modstamp_column, "_row_number"]).drop_duplicates(key_cols, keep="last")
    return Conformed(good.sort_values("_row_number").reset_index(drop=True), quarantined, before - len(good), reasons)


def _as(values: pd.Series, kind: str) -> pd.Series:
    if kind == "ts":
        return values.astype("datetime64[us, UTC]")
    return values.astype("datetime64[us]")


def _text(value: object) -> str:
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return ""
    return str(value)


def explain(table: Table, check: str, column: str, value: str, where: str) -> str:
    """A reason a person can act on: where the row is, which column, what is wrong with the value."""
    source = next((c.source for c in table.columns if c.name == column), column)
    if check == "ragged_row":
        return f"{where}: {value}; the record does not line up with the header (its fields are in `record`)"
    shown = repr(value) if value else "the value"
    if check.startswith("orphan:"):
        what = f"matches no {check.removeprefix('orphan:')} record (an orphan reference)"
    else:
        what = EXPLAIN.get(check, f"fails the check {check}")
    return f"{where}, column {source}: {shown} {what}"


def location(source_uri: object, line: object, row: object) -> str:
    """`salesforce/Opportunity.csv line 57`, or `… row 57` where the source has no lines."""
    path = unquote(str(source_uri or "").removeprefix("file://")).rstrip("/")
    name = "/".join(path.split("/")[-2:]) if path else "batch"
    if line is not None and not pd.isna(line):
        return f"{name} line {int(line)}"  # type: ignore[call-overload]
    return f"{name} row {int(row)}"  # type: ignore[call-overload]


def _quarantine(
    table: Table, raw: pd.DataFrame, failures: Mapping[int, list[tuple[str, str, str]]], rows: list[int]
) -> pd.DataFrame:
    if not rows:
        return pd.DataFrame({c: pd.Series(dtype="object") for c in QUARANTINE_COLUMNS})
    source_cols = [c for c in raw.columns if c not in LINEAGE]
    records = raw.loc[rows, source_cols]
    has_lines, has_raw = "_line_number" in raw.columns, "_raw" in raw.columns
    out = []
    for i, record in zip(rows, records.itertuples(index=False, name=None), strict=True):
        first = failures[i][0]
        line = raw.at[i, "_line_number"] if has_lines else None
        where = location(raw.at[i, "_source_uri"], line, raw.at[i, "_row_number"])
        out.append(
            {
                "_batch_id": int(raw.at[i, "_batch_id"]),
                "_row_number": int(raw.at[i, "_row_number"]),
                "_line_number": None if line is None or pd.isna(line) else int(line),
                "_source_uri": raw.at[i, "_source_uri"],
                "reason": explain(table, *first, where),
                "check_name": first[0],
                "column_name": first[1] or None,
                "failure_value": first[2] or None,
                "failures": json.dumps([{"check": c, "column": col, "value": v} for c, col, v in failures[i]]),
                "record": json.dumps(
                    {k: (None if pd.isna(v) else v) for k, v in zip(source_cols, record, strict=True)}
                    | ({"_raw": json.loads(raw.at[i, "_raw"])} if has_raw and pd.notna(raw.at[i, "_raw"]) else {})
                ),
            }
        )
    return pd.DataFrame(out, columns=list(QUARANTINE_COLUMNS))
