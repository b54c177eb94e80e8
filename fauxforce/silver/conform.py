"""One bronze batch → typed silver rows, flags and quarantined rows, with nothing lost on the way.

Pure functions (no warehouse): parse every column, validate the typed frame with the table's pandera
model (lazily, so every failure is reported at once), check the references that can be checked, and keep
the latest version of each key. Each failure gets the action the validation policy gives it
(`fauxforce.core.policy`): a record with a failure to quarantine goes to quarantine with the check, the
column, the offending value and its bronze lineage; a record with only failures to flag goes to silver,
its failures to the flags; a failure to fail stops the batch. Bronze rows in = silver rows + quarantined
rows + duplicates (older versions of a key).
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cache
from typing import NamedTuple, Protocol
from urllib.parse import unquote

import numpy as np
import pandas as pd
import pandera.pandas as pa
import pyarrow as pa_arrow
import pyarrow.compute as pc
from pandera.typing import Series

from fauxforce.core.catalogue import Table, table_name
from fauxforce.core.policy import Policy
from fauxforce.silver.parse import PARSERS, _flag, parse_country, parse_phone

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
KEPT_AS_TEXT = ("id", "text", "key", "email", "phone", "country")  # an unreadable value of these is kept as text
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
# Value rules beyond types, by (table, column), as pandera Field checks. Picklist values (stages, statuses)
# are the org's own and are never checked against a list of ours.
CHECKS: dict[tuple[str, str], dict[str, object]] = {
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


FLAG_COLUMNS = (
    "record_key",
    "_batch_id",
    "_row_number",
    "_line_number",
    "_source_uri",
    "check_name",
    "column_name",
    "value",
    "parent_table",
    "reason",
)


class Failure(NamedTuple):
    check: str
    column: str  # silver name; empty for a failure of the whole record
    value: str
    parent: str = ""  # for `unresolved`: the table the lookup points at


class References(Protocol):
    """What silver knows of the records a lookup may point at."""

    def missing(self, table: str, values: pa_arrow.Array) -> np.ndarray | None:
        """For each of `values` (text), whether no record of `table` in silver has it as its key; None when the
        object was never extracted (nothing to check against)."""

    def prefixes(self, table: str) -> set[str]:
        """The Salesforce key prefixes of `table`'s records (`001` for Account); empty if none is known."""


def not_in(values: pa_arrow.Array, keys: pa_arrow.Array) -> np.ndarray:
    """For each of `values`, whether it is not among `keys`."""
    found = pc.is_in(values, value_set=keys.cast(pa_arrow.string()))
    return ~found.to_numpy(zero_copy_only=False)


def prefixes_of(keys: pa_arrow.Array) -> set[str]:
    """The distinct first three characters of `keys` (a Salesforce Id's key prefix)."""
    return {p for p in pc.unique(pc.utf8_slice_codeunits(keys.cast(pa_arrow.string()), 0, 3)).to_pylist() if p}


@dataclass
class Conformed:
    good: pd.DataFrame  # silver columns + _batch_id, _row_number
    quarantined: pd.DataFrame
    duplicates: int
    reasons: Counter[str] = field(default_factory=Counter)  # quarantined records by their first failed check
    flags: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=list(FLAG_COLUMNS)))
    failed: list[str] = field(default_factory=list)  # reasons of records the policy says stop the run

    @property
    def rows_in(self) -> int:
        return len(self.good) + len(self.quarantined) + self.duplicates

    @property
    def flagged(self) -> Counter[str]:
        """Flags by check."""
        return Counter(self.flags["check_name"].tolist())


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
    "key": "is not a usable key (missing or unreadable)",
    "no_cursor": "is missing: the record has no modification time, so it is versioned by file order",
    "isin": "is not one of the allowed values",
    "picklist": "is not one of the org's picklist values (its describe)",
    "in_range": "is outside the allowed range",
    "ge": "is below the minimum",
    "gt": "is not above the minimum",
    "unique": "is repeated",
}


def conform(
    table: Table,
    raw: pd.DataFrame,
    refs: References,
    policy: Policy | None = None,
    picklists: Mapping[str, list[str]] | None = None,
) -> Conformed:
    """Type, validate and de-duplicate one bronze batch (all text, source column names, lineage columns).
    `picklists`: the org's active values of its picklist fields, where its describe gave them."""
    policy = policy or Policy()
    raw = raw.reset_index(drop=True)
    n = len(raw)
    typed: dict[str, pd.Series] = {}
    failures: dict[int, list[Failure]] = {}

    def fail(mask: pd.Series, check: str, column: str, values: pd.Series, parent: str = "") -> None:
        for i in mask[mask].index:
            failures.setdefault(int(i), []).append(Failure(check, column, _text(values.iloc[i]), parent))

    if "_issue" in raw.columns:  # a record the reader could not take as it is (a ragged row)
        issue = raw["_issue"].astype("string")
        broken = _flag(issue.notna())
        for i in broken[broken].index:
            check, _, detail = str(issue.iloc[i]).partition(": ")
            failures.setdefault(int(i), []).append(Failure(check, "", detail))

    lookup = {c.lower(): c for c in raw.columns}
    regions: pd.Series | None = None  # the record's country, for phone numbers written without a country code
    for c in table.columns:
        source = lookup.get(c.source.lower())
        values = raw[source] if source else pd.Series(pd.NA, index=raw.index, dtype="string")
        if c.type == "date" and table.ref.system == "erp":
            values = values.mask(_flag(values.astype("string").str.strip().isin(ERP_NO_DATE)))
        if c.type == "country":
            name, code, bad = parse_country(values)
            typed[c.name], typed[f"{c.name}_code"] = name, code
            regions = code if regions is None else regions.fillna(code)
        elif c.type == "phone":
            parsed, bad = parse_phone(values, regions)
            typed[c.name] = parsed
        else:
            parsed, bad = PARSERS[c.type](values)
            if c.type == "bool" and table.ref.system == "salesforce":  # a checkbox is never null: empty is unticked
                parsed = parsed.mask(_flag(parsed.isna()) & ~bad, False)
            typed[c.name] = parsed.astype(DTYPES[c.type]) if c.type not in ("date", "ts") else _as(parsed, c.type)
        if bad.any():
            fail(bad, f"parse_{c.type}", c.name, values)
        if picklists and c.source in picklists and c.type == "text":
            fail(_off_list(typed[c.name], picklists[c.source]), "picklist", c.name, typed[c.name])
    frame = pd.DataFrame(typed, index=raw.index)

    try:
        model(table).validate(frame, lazy=True)
    except pa.errors.SchemaErrors as errors:
        for case in errors.failure_cases.itertuples(index=False):
            column = str(case.column)
            check = str(case.check).split("(", 1)[0]  # `isin([...])` → `isin`
            if case.index is None or pd.isna(case.index):  # a whole-column failure: every row
                for i in range(n):
                    failures.setdefault(i, []).append(Failure(check, column, _text(case.failure_case)))
            else:
                failures.setdefault(int(case.index), []).append(Failure(check, column, _text(case.failure_case)))

    key_cols = table.key_columns
    for c in table.columns:
        if c.parent:
            _check_lookup(table, c.name, table_name(c.parent), frame, refs, fail)

    actions = _actions(table, policy, failures)
    stopped = [i for i, a in actions.items() if a == "fail"]
    bad_rows = sorted(i for i, a in actions.items() if a == "quarantine")
    quarantined = _quarantine(table, raw, failures, bad_rows)
    reasons = Counter(failures[i][0].check for i in bad_rows)
    good = frame.drop(index=bad_rows) if bad_rows else frame
    for col in ("_batch_id", "_row_number"):
        good[col] = raw.loc[good.index, col].astype("int64")
    # Keep the latest version of each key: newest modstamp (a record without one: by file order), then the
    # later row of the batch. A batch whose keys are all distinct (a full export) keeps its row order as it is.
    before = len(good)
    if good.duplicated(key_cols).any():
        good = good.sort_values([table.modstamp_column, "_row_number"], na_position="first")
        good = good.drop_duplicates(key_cols, keep="last").sort_values("_row_number")
    flagged = [i for i in good.index if actions.get(int(i)) == "flag"]
    flags = _flags(table, raw, good, failures, flagged)
    failed = _quarantine(table, raw, failures, stopped)["reason"].head(5).tolist() if stopped else []
    return Conformed(
        good.reset_index(drop=True),
        quarantined,
        before - len(good),
        reasons,
        flags,
        failed,
    )


def _check_lookup(
    table: Table,
    column: str,
    parent: str,
    frame: pd.DataFrame,
    refs: References,
    fail: Callable[[pd.Series, str, str, pd.Series, str], None],
) -> None:
    """Flag lookups to records that are not in silver. Not checked: lookups to an object never extracted
    (owners and creators not exported), and Salesforce Ids of another object than the target (a queue as an
    owner, `00G…`)."""
    values = frame[column].astype("string")
    array = pa_arrow.array(values.to_numpy(dtype=object, na_value=None), type=pa_arrow.string())
    missing = refs.missing(parent, array)
    if missing is None:
        return
    own = None
    if parent == table.name:  # a reference within the batch itself (ParentId, ReportsToId)
        keys = frame[table.key_columns[0]].dropna()
        own = pa_arrow.array(keys.astype(str).to_numpy(dtype=object), type=pa_arrow.string())
        missing &= not_in(array, own)
    orphan = pd.Series(missing, index=frame.index) & _flag(values.notna())
    if table.ref.system == "salesforce" and orphan.any():
        prefixes = refs.prefixes(parent) | (prefixes_of(own) if own is not None else set())
        orphan &= _flag(values.str[:3].isin(list(prefixes)))
    if orphan.any():
        fail(orphan, "unresolved", column, frame[column], parent)


def _off_list(values: pd.Series, allowed: list[str]) -> pd.Series:
    """Values not among a picklist's (a multi-select value `A;B` is checked value by value)."""
    ok = set(allowed)
    return values.map(lambda v: isinstance(v, str) and not set(v.split(";")) <= ok).astype(bool)


def checked_as(table: Table, check: str, column: str) -> str:
    """The check a failure counts as: a key column's missing value is `key`; a missing cursor is `no_cursor`."""
    if column in table.key_columns and check in ("not_nullable", "parse_int"):
        return "key"
    if column == table.modstamp_column and check == "not_nullable":
        return "no_cursor"
    return check


def action(table: Table, policy: Policy, check: str, column: str) -> str:
    """What the policy does with `check` failing on `column` of a record of `table`. A required value that cannot
    be read is lost in silver, so it counts as required; an unreadable Id, address, number or country does not,
    as silver keeps it as it came."""
    by_name = {c.name: c for c in table.columns}
    lost = column in by_name and by_name[column].required and by_name[column].type not in KEPT_AS_TEXT
    return policy.action(str(table.ref), check, lost)


def action_at(table: Table, source: str, check: str, policy: Policy | None = None) -> str:
    """What the policy (default: the defaults) does with `check` failing on the source column `source` of a
    record of `table`: the action a known defect must meet."""
    column = next((c.name for c in table.columns if c.source == source), "")
    return action(table, policy or Policy(), checked_as(table, check, column), column)


def _actions(table: Table, policy: Policy, failures: dict[int, list[Failure]]) -> dict[int, str]:
    """Each failing record's action: the strongest of its failures' (fail > quarantine > flag)."""
    rank = {"flag": 0, "quarantine": 1, "fail": 2}
    out: dict[int, str] = {}
    for i, found in failures.items():
        renamed = [f._replace(check=checked_as(table, f.check, f.column)) for f in found]
        decided = [(action(table, policy, f.check, f.column), f) for f in renamed]
        decided.sort(key=lambda pair: -rank[pair[0]])  # the failure that decided comes first (the reason shown)
        failures[i] = [f for _, f in decided]
        out[i] = decided[0][0]
    return out


def _as(values: pd.Series, kind: str) -> pd.Series:
    if kind == "ts":
        return values.astype("datetime64[us, UTC]")
    return values.astype("datetime64[us]")


def _text(value: object) -> str:
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return ""
    return str(value)


def explain(table: Table, failure: Failure, where: str) -> str:
    """A reason a person can act on: where the row is, which column, what is wrong with the value."""
    check, column, value, parent = failure
    source = next((c.source for c in table.columns if c.name == column), column)
    if check == "ragged_row":
        return f"{where}: {value}; the record does not line up with the header (its fields are in `record`)"
    shown = repr(value) if value else "the value"
    if check == "unresolved":
        what = f"matches no {parent} record in silver (an unresolved lookup)"
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


def _flags(
    table: Table, raw: pd.DataFrame, good: pd.DataFrame, failures: Mapping[int, list[Failure]], rows: list[int]
) -> pd.DataFrame:
    """One row per flagged failure of the records kept in silver."""
    out = []
    has_lines = "_line_number" in raw.columns
    keys = good[table.key_columns].astype("string")
    for i in rows:
        line = raw.at[i, "_line_number"] if has_lines else None
        where = location(raw.at[i, "_source_uri"], line, raw.at[i, "_row_number"])
        record_key = "|".join(str(v) for v in keys.loc[i].tolist())
        for f in failures[i]:
            out.append(
                {
                    "record_key": record_key,
                    "_batch_id": int(raw.at[i, "_batch_id"]),
                    "_row_number": int(raw.at[i, "_row_number"]),
                    "_line_number": None if line is None or pd.isna(line) else int(line),
                    "_source_uri": raw.at[i, "_source_uri"],
                    "check_name": f.check,
                    "column_name": f.column or None,
                    "value": f.value or None,
                    "parent_table": f.parent or None,
                    "reason": explain(table, f, where),
                }
            )
    return pd.DataFrame(out, columns=list(FLAG_COLUMNS))


def _quarantine(
    table: Table, raw: pd.DataFrame, failures: Mapping[int, list[Failure]], rows: list[int]
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
                "reason": explain(table, first, where),
                "check_name": first[0],
                "column_name": first[1] or None,
                "failure_value": first[2] or None,
                "failures": json.dumps([{"check": f.check, "column": f.column, "value": f.value} for f in failures[i]]),
                "record": json.dumps(
                    {k: (None if pd.isna(v) else v) for k, v in zip(source_cols, record, strict=True)}
                    | ({"_raw": json.loads(raw.at[i, "_raw"])} if has_raw and pd.notna(raw.at[i, "_raw"]) else {})
                ),
            }
        )
    return pd.DataFrame(out, columns=list(QUARANTINE_COLUMNS))
