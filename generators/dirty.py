"""Dirty mode: make clean CSV exports look like real ones, and record every defect put in.

`make_dirty(folder, seed, rate)` rewrites each CSV file of an export in place. Each file gets a
dialect of its own (encoding UTF-8, UTF-8 with BOM or Windows-1252; LF or CRLF; header as API
names, UPPERCASE or snake_case; every cell quoted or only where needed; a final newline or none).
Each record, with probability `rate`, gets one defect:

fixable (silver must hold the clean value):
  bool_format   `true` → `TRUE`/`1`, `false` → `FALSE`/`0`/empty (Salesforce checkboxes)
  ts_format     `…T13:25:38.000Z` → `+0000`, no zone, a space for `T`, or US `07/28/25 01:25 PM`
  date_format   `2025-09-05` → `2025-09-05 00:00:00`, `09/05/2025`, or (ERP) `20250905`
  zero_date     an ERP date left empty → `0`
  number_format `71248.00` → `$71,248.00`, `1234` → `1,234`
  null_token    an empty cell → `NULL`, `null` or `N/A`
  id_15         an 18-character Id → its 15-character form
  id_case       an 18-character Id → all upper or all lower case
  zero_lookup   an empty lookup → `000000000000000AAA`
  key_space     a business key → padded with spaces
  key_case      a business key → lower case
  mis_encoded   a record with accented text → written in Windows-1252 inside a UTF-8 file
  duplicate_row the record → written twice

not fixable (silver must quarantine or flag the record with this check, as its validation policy
says), only in objects no other object refers to, so a quarantined record takes nothing else with it:
  ragged_row       a field more or a field less
  bad_date         a date → `2025-13-45` (parse_date)
  bad_number       an amount or count → `12.34.56` (parse_money / parse_int)
  orphan           a required reference → a well-formed key of no record (unresolved)
  missing_required a required value → empty (not_nullable)

`OUT/defects.csv` lists every defect: object, file, line, record Id (key columns joined by `|`),
column, kind, expected (`fixed`, `duplicate`, `dialect`, or the quarantine check), clean value and
dirty value. File-wide choices are listed once per file with an empty record Id.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import astuple, dataclass, fields
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv

from fauxforce.core.catalogue import BY_REF, TABLES, Column, ObjectRef, Table
from fauxforce.core.salesforce import checksum
from fauxforce.generators.columns import rng_for

ZERO_LOOKUP = "000000000000000AAA"
NULL_TOKENS = ("NULL", "null", "N/A")
FIXED = "fixed"
# Where unfixable defects may go: objects nothing refers to (a quarantined record takes no child with
# it), except the inventory ledger, whose on-hand gold reconciles with its movements: a quarantined
# movement would rightly fail that check and stop gold.
LEAVES = (
    frozenset(t.ref for t in TABLES)
    - {ObjectRef(t.ref.system, c.parent) for t in TABLES for c in t.columns if c.parent}
    - {ObjectRef("erp", "inventory"), ObjectRef("erp", "inventory_transactions")}
)


@dataclass
class Defect:
    object: str
    file: str
    line: int | None
    record_id: str
    column: str
    kind: str
    expected: str
    clean_value: str | None
    dirty_value: str | None


def write_defects(path: Path, defects: list[Defect]) -> None:
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow([f.name for f in fields(Defect)])
        writer.writerows(astuple(d) for d in defects)


def read_defects(path: Path) -> list[Defect]:
    with path.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    return [
        Defect(
            object=r["object"],
            file=r["file"],
            line=int(r["line"]) if r["line"] else None,
            record_id=r["record_id"],
            column=r["column"],
            kind=r["kind"],
            expected=r["expected"],
            clean_value=r["clean_value"] if r["clean_value"] != "" else None,
            dirty_value=r["dirty_value"] if r["dirty_value"] != "" else None,
        )
        for r in rows
    ]


def make_dirty(folder: Path, seed: int, rate: float) -> list[Defect]:
    """Rewrite every CSV file under `folder` with defects at `rate`; return them (also in defects.csv)."""
    defects: list[Defect] = []
    for path in sorted(folder.rglob("*.csv")):
        system = path.parent.name
        ref = ObjectRef(system, path.stem)  # type: ignore[arg-type]
        table = BY_REF.get(ref)
        if table is None:
            continue
        defects += _dirty_file(path, path.relative_to(folder).as_posix(), table, seed, rate)
    write_defects(folder / "defects.csv", defects)
    return defects


def _snake(name: str) -> str:
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", name).replace("__", "_").lower()


def _read(path: Path) -> tuple[list[str], list[list[str | None]]]:
    header = pacsv.open_csv(path).schema.names
    table = pacsv.read_csv(
        path,
        convert_options=pacsv.ConvertOptions(
            column_types={n: pa.string() for n in header}, strings_can_be_null=True, null_values=[""]
        ),
    )
    columns = [table.column(i).to_pylist() for i in range(table.num_columns)]
    return header, [list(r) for r in zip(*columns, strict=True)] if columns else []


def _record_key(table: Table, header: list[str], values: list[str | None]) -> str:
    """The record's key as defects.csv gives it: key columns' clean values joined by `|`."""
    return "|".join(str(values[header.index(k)] or "") for k in table.key)


def _candidates(table: Table, column: Column, value: str | None, leaf: bool) -> list[str]:
    """The defect kinds that fit this cell."""
    kinds: list[str] = []
    sf = table.ref.system == "salesforce"
    if value is None:
        if column.type not in ("bool",) and not column.required:
            kinds.append("null_token")
        if column.type == "id" and column.parent:
            kinds.append("zero_lookup")
        if column.type == "date" and not sf:
            kinds.append("zero_date")
        return kinds
    if column.type == "bool" and sf and value in ("true", "false"):
        kinds.append("bool_format")
    if column.type == "ts":
        kinds.append("ts_format")
    if column.type == "date":
        kinds.append("date_format")
        if leaf:
            kinds.append("bad_date")
    if column.type in ("money", "int") and re.fullmatch(r"-?\d{4,}(\.\d\d)?", value):
        kinds.append("number_format")
    if column.type in ("money", "int") and leaf:
        kinds.append("bad_number")
    if column.type == "id" and len(value) == 18:
        kinds += ["id_15", "id_case"]
    if column.type == "key":
        kinds += ["key_space", "key_case"]
    if column.type == "text" and not value.isascii() and _cp1252(value):
        kinds.append("mis_encoded")
    if leaf and column.parent and column.required and column.type in ("id", "key"):
        kinds.append("orphan")
    if leaf and column.required and not column.parent and column.source not in table.key and column.type != "bool":
        kinds.append("missing_required")
    return kinds


def _cp1252(text: str) -> bool:
    try:
        text.encode("cp1252")
    except UnicodeEncodeError:
        return False
    return True


def _orphan_id(value: str) -> str:
    body = (value[:6] + "zzzzzzzzz").encode("ascii")
    chk = checksum(np.frombuffer(body, dtype=np.uint8).reshape(1, 15)).tobytes()
    return (body + chk).decode("ascii")


def _apply(kind: str, column: Column, value: str | None, rng: np.random.Generator, sf: bool) -> str | None:
    """The dirty spelling of `value` for a defect of `kind`."""
    pick = lambda options: options[int(rng.integers(len(options)))]  # noqa: E731
    if kind == "null_token":
        return str(pick(NULL_TOKENS))
    if kind == "zero_lookup":
        return ZERO_LOOKUP
    if kind == "zero_date":
        return "0"
    assert value is not None
    if kind == "bool_format":
        return str(pick(["TRUE", "1", "True"] if value == "true" else ["FALSE", "0", ""])) or None
    if kind == "ts_format":
        day, time = value[:10], value[11:19]
        options = [f"{day}T{time}Z", f"{day}T{time}+0000", f"{day} {time}", f"{day}T{time}"]
        if time.endswith(":00"):
            stamp = dt_us(day, time)
            options.append(stamp)
        return str(pick([o for o in options if o != value]))
    if kind == "date_format":
        y, m, d = value[:4], value[5:7], value[8:10]
        return str(pick([f"{value} 00:00:00", f"{m}/{d}/{y}"] + ([] if sf else [f"{y}{m}{d}"])))
    if kind == "number_format":
        number = float(value)
        return f"${number:,.2f}" if column.type == "money" else f"{int(number):,}"
    if kind == "id_15":
        return value[:15]
    if kind == "id_case":
        upper = value.upper()
        return upper if upper != value else value.lower()
    if kind == "key_space":
        return f"  {value} "
    if kind == "key_case":
        return value.lower()
    if kind == "bad_date":
        return "2025-13-45"
    if kind == "bad_number":
        return "12.34.56"
    if kind == "orphan":
        return _orphan_id(value) if column.type == "id" else f"NO-SUCH-{value}"
    if kind == "missing_required":
        return None
    return value  # mis_encoded: the value stays, its bytes change


def dt_us(day: str, time: str) -> str:
    """`2025-07-28`, `13:25:00` → `07/28/25 01:25 PM`, as a US spreadsheet shows it."""
    hour, minute = int(time[:2]), time[3:5]
    suffix = "AM" if hour < 12 else "PM"
    return f"{day[5:7]}/{day[8:10]}/{day[2:4]} {hour % 12 or 12:02d}:{minute} {suffix}"


EXPECTED = {
    "ragged_row": "ragged_row",
    "bad_date": "parse_date",
    "missing_required": "not_nullable",
}


def _expected(kind: str, table: Table, column: Column | None) -> str:
    if kind == "duplicate_row":
        return "duplicate"
    if kind == "bad_number" and column:
        return f"parse_{column.type}"
    if kind == "orphan" and column:
        return "unresolved"
    return EXPECTED.get(kind, FIXED)


def _dirty_file(path: Path, name: str, table: Table, seed: int, rate: float) -> list[Defect]:
    rng = rng_for(seed, "dirty", name)
    header, rows = _read(path)
    obj = str(table.ref)
    sf = table.ref.system == "salesforce"
    leaf = table.ref in LEAVES
    by_name = {c.source: c for c in table.columns}
    text = "\n".join("" if v is None else v for r in rows for v in r)
    encoding = str(rng.choice(["utf-8", "utf-8-sig", "cp1252"]))
    if encoding == "cp1252" and (text.isascii() or not _cp1252(text)):
        encoding = "utf-8"  # ASCII is the same bytes in both; text beyond Windows-1252 cannot be written in it
    newline = str(rng.choice(["\n", "\r\n"]))
    style = str(rng.choice(["api", "upper", "snake"] if sf else ["api", "upper"]))
    quote_all = bool(rng.random() < 0.5)
    final_newline = bool(rng.random() < 0.5)
    defects = [
        Defect(obj, name, None, "", "", kind, "dialect", clean, dirty)
        for kind, clean, dirty in (
            ("encoding", "utf-8", encoding),
            ("line_endings", "LF", "CRLF" if newline == "\r\n" else "LF"),
            ("header_style", "api", style),
            ("quoting", "needed", "all" if quote_all else "needed"),
            ("final_newline", "yes", "yes" if final_newline else "no"),
        )
        if clean != dirty
    ]
    out_header = [h.upper() if style == "upper" else _snake(h) if style == "snake" else h for h in header]

    chosen = np.flatnonzero(rng.random(len(rows)) < rate)
    row_kind: dict[int, tuple[str, int]] = {}  # row → (kind, column index or -1)
    extra: list[tuple[int, Defect]] = []
    for i in map(int, chosen):
        values = rows[i]
        options: list[tuple[str, int]] = [("duplicate_row", -1)] + ([("ragged_row", -1)] if leaf else [])
        for j, h in enumerate(header):
            column = by_name.get(h)
            if column is None:
                continue
            options += [(k, j) for k in _candidates(table, column, values[j], leaf)]
        if encoding != "utf-8" or not _cp1252("".join(v or "" for v in values)):
            options = [o for o in options if o[0] != "mis_encoded"]  # the whole record must fit Windows-1252
        kinds = sorted({k for k, _ in options})  # a kind first, then a cell, so rare kinds still show up
        kind = kinds[int(rng.integers(len(kinds)))]
        cells = [j for k, j in options if k == kind]
        j = cells[int(rng.integers(len(cells)))]
        row_kind[i] = (kind, j)
        record_id = _record_key(table, header, values)
        if j >= 0:
            column = by_name[header[j]]
            clean = values[j]
            dirty = _apply(kind, column, clean, rng, sf)
            values = list(values)
            values[j] = dirty
            rows[i] = values
            expected = _expected(kind, table, column)
            extra.append((i, Defect(obj, name, None, record_id, header[j], kind, expected, clean, dirty)))
        else:
            expected = _expected(kind, table, None)
            extra.append((i, Defect(obj, name, None, record_id, "", kind, expected, None, None)))

    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator=newline, quoting=csv.QUOTE_ALL if quote_all else csv.QUOTE_MINIMAL)
    writer.writerow(out_header)
    starts: dict[int, int] = {}
    mis: list[tuple[int, int]] = []
    duplicates: list[list[str | None]] = []
    for n, values in enumerate(rows):
        defect = row_kind.get(n)
        if defect is None:
            writer.writerow(values)
            continue
        kind = defect[0]
        starts[n] = buf.tell()
        if kind == "ragged_row":
            values = [*values, ""] if rng.random() < 0.5 else values[:-1]
        if kind == "duplicate_row":
            duplicates.append(values)
        begin = buf.tell()
        writer.writerow(values)
        if kind == "mis_encoded":
            mis.append((begin, buf.tell()))
    for values in duplicates:
        writer.writerow(values)
    body = buf.getvalue()
    if not final_newline:
        body = body.removesuffix(newline)
    data = _encode(body, encoding, mis)
    path.write_bytes(data)

    # the line each defective record starts on
    order = sorted(starts.items(), key=lambda kv: kv[1])
    lines: dict[int, int] = {}
    line, position = 1, 0
    for n, offset in order:
        line += body.count("\n", position, offset)
        position = offset
        lines[n] = line
    for n, d in extra:
        d.line = lines[n]
    return defects + [d for _, d in extra]


def _encode(body: str, encoding: str, mis: list[tuple[int, int]]) -> bytes:
    if encoding == "cp1252":
        return body.encode("cp1252")
    prefix = b"\xef\xbb\xbf" if encoding == "utf-8-sig" else b""
    parts = [prefix]
    position = 0
    for begin, end in mis:
        parts += [body[position:begin].encode("utf-8"), body[begin:end].encode("cp1252")]
        position = end
    parts.append(body[position:].encode("utf-8"))
    return b"".join(parts)
