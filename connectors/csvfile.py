"""Read any CSV a person or a system exported, without losing a row: detect, decode, parse, account.

`read_csv(path)` returns every record of the file as text, in file order, with three reserved
columns beside the file's own:

- `_line_number`: the line (1-based, the header is line 1) where the record starts;
- `_issue`: why the record cannot be taken as it is (null for a sound record), today only a ragged
  row, e.g. `ragged_row: 12 fields where the header has 10`;
- `_raw`: for such a record, all its fields as a JSON list, so nothing is lost.

and a `FileFormat` saying what was found: the encoding (UTF-8, UTF-8 with BOM, UTF-16, Windows-1252,
or UTF-8 with some lines in Windows-1252), delimiter, line endings, final newline, blank lines,
ragged records and how the header was cleaned. Both the encoding and the delimiter can be forced.

Two parsers give the same result. Clean files (the common case, including quoted commas, doubled
quotes and line breaks inside quotes) go through pyarrow's multi-threaded reader; a file whose
records pyarrow cannot account for line by line (ragged rows, blank lines, bare-CR line endings, a
multi-line header) goes through Python's `csv` module record by record. Empty fields are null.
"""

from __future__ import annotations

import codecs
import csv
import gzip
import io
import json
import re
import sys
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from fauxforce.core.catalogue import RESERVED_COLUMNS

LINE = "_line_number"
ISSUE = "_issue"
RAW = "_raw"
READER_COLUMNS = (LINE, ISSUE, RAW)  # what the reader adds to every table, in this order
RESERVED = frozenset(RESERVED_COLUMNS)  # bronze's own names: a header spelled so is renamed, never lost
DELIMITERS = (",", ";", "\t", "|")
CP1252_UNDEFINED = b"\x81\x8d\x8f\x90\x9d"  # bytes Windows-1252 leaves undefined: read as Latin-1

csv.field_size_limit(sys.maxsize // 2)  # a long description is not an error


def _latin1_fallback(error: UnicodeError) -> tuple[str, int]:
    assert isinstance(error, UnicodeDecodeError)
    bad = error.object[error.start : error.end]
    return bytes(bad).decode("latin-1"), error.end


codecs.register_error("fauxforce-latin1", _latin1_fallback)


class CsvError(ValueError):
    """A file that cannot be read as forced (wrong `encoding` override): the message names file and line."""


@dataclass
class FileFormat:
    """What `read_csv` found in a file; kept with the batch in `meta.ingested_files`."""

    encoding: str = "utf-8"  # utf-8 | utf-8-sig | utf-16[-le|-be] | cp1252 | utf-8+cp1252 | an override
    delimiter: str = ","
    newline: str = "LF"  # LF | CRLF | CR | mixed | none
    final_newline: bool = True
    parser: str = "arrow"  # arrow | python
    records: int = 0
    blank_lines: int = 0
    ragged_rows: int = 0
    cp1252_lines: list[int] = field(default_factory=list)  # lines of a UTF-8 file read as Windows-1252
    nul_replaced: int = 0  # NUL characters replaced by U+FFFD (no database text type can hold them)
    header: dict[str, str] = field(default_factory=dict)  # header cell as written → column name, where cleaned

    def to_json(self) -> str:
        out = asdict(self)
        out["cp1252_lines"] = self.cp1252_lines[:100]
        return json.dumps(out, ensure_ascii=False)


def decode(data: bytes, fmt: FileFormat, encoding: str | None = None, name: str = "file") -> str:
    """The file's text, and its encoding recorded in `fmt`; never raises unless `encoding` is forced."""
    if encoding:
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError as e:
            line = data[: e.start].count(b"\n") + 1
            raise CsvError(
                f"{name} line {line}: bytes {data[e.start : e.end]!r} are not {encoding}; "
                "remove the encoding override to let the reader detect it"
            ) from e
        except LookupError as e:
            raise CsvError(f"unknown encoding {encoding!r} for {name}; use a Python codec name such as cp1252") from e
        fmt.encoding = encoding
        return text.removeprefix("\ufeff")
    if data.startswith(codecs.BOM_UTF8):
        fmt.encoding = "utf-8-sig"
        data = data[len(codecs.BOM_UTF8) :]
    elif data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        fmt.encoding = "utf-16"
        return data.decode("utf-16", errors="fauxforce-latin1")
    elif (utf16 := _utf16_without_bom(data[:4096])) is not None:
        fmt.encoding = utf16
        return data.decode(utf16, errors="fauxforce-latin1")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    lines = data.split(b"\n")
    out: list[str] = []
    fallback: list[int] = []
    utf8_multibyte = False
    for i, raw in enumerate(lines):
        try:
            text = raw.decode("utf-8")
            utf8_multibyte = utf8_multibyte or not raw.isascii()
        except UnicodeDecodeError:
            text = raw.decode("cp1252", errors="fauxforce-latin1")
            fallback.append(i + 1)
        out.append(text)
    if utf8_multibyte:
        fmt.encoding = "utf-8+cp1252"
        fmt.cp1252_lines = fallback
    else:
        fmt.encoding = "cp1252"
    return "\n".join(out)


def _utf16_without_bom(head: bytes) -> str | None:
    """`utf-16-le` / `utf-16-be` when every other byte of the start is NUL (ASCII text in UTF-16)."""
    if len(head) < 8 or head.count(b"\x00") < len(head) // 3:
        return None
    even, odd = head[0::2].count(b"\x00"), head[1::2].count(b"\x00")
    if odd > 0.9 * (len(head) // 2) and even == 0:
        return "utf-16-le"
    if even > 0.9 * (len(head) // 2) and odd == 0:
        return "utf-16-be"
    return None


def first_record(text: str) -> str:
    """The header record: the text up to the first line break outside quotes (a quoted header may hold one)."""
    quoted = False
    for i, char in enumerate(text):
        if char == '"':
            quoted = not quoted  # a doubled quote toggles twice
        elif char in "\r\n" and not quoted:
            return text[:i]
    return text


def sniff_delimiter(first_line: str) -> str:
    """The candidate delimiter that occurs most often outside quotes in the header record (comma on a tie);
    a quote left open at the end of the sample counts as quoting the rest."""
    outside = re.sub(r'"(?:[^"]|"")*(?:"|$)', "", first_line)
    counts = {d: outside.count(d) for d in DELIMITERS}
    best = max(DELIMITERS, key=lambda d: (counts[d], d == ","))
    return best if counts[best] else ","


def clean_header(cells: list[str], fmt: FileFormat) -> list[str]:
    """Header cells as column names: trimmed, never empty, never repeated; changes recorded in `fmt`."""
    names: list[str] = []
    seen: set[str] = set()
    for i, cell in enumerate(cells, start=1):
        name = cell.replace("\ufeff", "").replace("\x00", "").strip() or f"column_{i}"
        if name.lower() in RESERVED:
            name = f"{name}_{i}"
        base, n = name, 2
        while name.lower() in seen:
            name, n = f"{base}_{n}", n + 1
        seen.add(name.lower())
        if name != cell:
            fmt.header[cell] = name
        names.append(name)
    return names


def _newline_style(utf8: bytes, fmt: FileFormat) -> None:
    newlines, returns = utf8.count(b"\n"), utf8.count(b"\r")
    crlf = utf8.count(b"\r\n") if returns else 0
    lf, cr = newlines - crlf, returns - crlf
    kinds = [k for k, n in (("CRLF", crlf), ("LF", lf), ("CR", cr)) if n]
    fmt.newline = kinds[0] if len(kinds) == 1 else ("mixed" if kinds else "none")
    fmt.final_newline = utf8.endswith((b"\n", b"\r"))


def read_csv(path: Path, encoding: str | None = None, delimiter: str | None = None) -> tuple[pa.Table, FileFormat]:
    """Every record of a CSV file as text plus `_line_number`, `_issue`, `_raw`; and what was found."""
    fmt = FileFormat()
    data = gzip.decompress(path.read_bytes()) if path.name.lower().endswith(".gz") else path.read_bytes()
    text = decode(data, fmt, encoding, path.name)
    if fmt.encoding in ("utf-8", "utf-8-sig") and not encoding:
        utf8 = data.removeprefix(codecs.BOM_UTF8)
    else:
        utf8 = text.encode("utf-8")
    if b"\x00" in utf8:
        fmt.nul_replaced = utf8.count(b"\x00")
        text = text.replace("\x00", "\ufffd")
        utf8 = text.encode("utf-8")
    _newline_style(utf8, fmt)
    if not re.search(r"\S", text):
        return _empty([]), fmt
    head = text[: 1 << 16]
    fmt.delimiter = delimiter or sniff_delimiter(first_record(head))
    header_reader = csv.reader(io.StringIO(head, newline=""), delimiter=fmt.delimiter, strict=False)
    header_cells = next(header_reader, [])
    header_lines = header_reader.line_num
    names = clean_header(header_cells, fmt)
    table = None
    if header_lines == 1 and fmt.newline in ("LF", "CRLF", "none") and names:
        table = _read_arrow(utf8, names, fmt)
    if table is None:
        fmt.parser = "python"
        table = _read_python(text, names, fmt)
    fmt.records = table.num_rows
    return table, fmt


def _empty(names: list[str]) -> pa.Table:
    columns = [pa.array([], type=pa.string()) for _ in names]
    reserved = [pa.array([], type=pa.int64()), pa.array([], type=pa.string()), pa.array([], type=pa.string())]
    return pa.table(columns + reserved, names=[*names, *READER_COLUMNS])


def _read_arrow(utf8: bytes, names: list[str], fmt: FileFormat) -> pa.Table | None:
    """pyarrow's reader, when every record and line can be accounted for; else None."""
    invalid = 0

    def on_invalid(_row: object) -> str:
        nonlocal invalid
        invalid += 1
        return "skip"

    try:
        table = pacsv.read_csv(
            io.BytesIO(utf8),
            read_options=pacsv.ReadOptions(column_names=names, skip_rows=1, block_size=1 << 22),
            parse_options=pacsv.ParseOptions(
                delimiter=fmt.delimiter, newlines_in_values=True, invalid_row_handler=on_invalid
            ),
            convert_options=pacsv.ConvertOptions(
                column_types={n: pa.string() for n in names}, strings_can_be_null=True, null_values=[""]
            ),
        )
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return None
    if invalid:
        return None
    # One line per record plus the line breaks inside values: then record i starts where the
    # previous one ended. Anything else (blank lines) and the Python reader takes over.
    breaks = utf8.count(b"\n") + (0 if fmt.final_newline else 1)  # lines in the file
    span = np.ones(table.num_rows, dtype=np.int64)
    if breaks != 1 + table.num_rows:  # some values hold line breaks (or the file has blank lines)
        for column in table.columns:
            counts = pc.fill_null(pc.count_substring(column, "\n"), 0)
            span += counts.to_numpy(zero_copy_only=False).astype(np.int64)
    if breaks != 1 + int(span.sum()):
        return None
    starts = 2 + np.cumsum(span) - span
    n = table.num_rows
    return (
        table.append_column(LINE, pa.array(starts))
        .append_column(ISSUE, pa.nulls(n, type=pa.string()))
        .append_column(RAW, pa.nulls(n, type=pa.string()))
    )


def _read_python(text: str, names: list[str], fmt: FileFormat) -> pa.Table:
    """Record by record with Python's csv module: ragged rows kept (fields in `_raw`), blank lines counted."""
    width = len(names)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=fmt.delimiter, strict=False)
    next(reader, None)
    previous = reader.line_num
    rows: list[list[str | None]] = []
    lines: list[int] = []
    issues: list[str | None] = []
    raws: list[str | None] = []
    for record in reader:
        start, previous = previous + 1, reader.line_num
        if not record:
            fmt.blank_lines += 1
            continue
        values: list[str | None] = [v if v != "" else None for v in record]
        if len(record) == width:
            rows.append(values)
            issues.append(None)
            raws.append(None)
        else:
            fmt.ragged_rows += 1
            rows.append((values + [None] * width)[:width])
            issues.append(f"ragged_row: {len(record)} fields where the header has {width}")
            raws.append(json.dumps(record, ensure_ascii=False))
        lines.append(start)
    if not rows:
        return _empty(names)
    columns = [pa.array(col, type=pa.string()) for col in zip(*rows, strict=True)] if width else []
    return pa.table(
        [
            *columns,
            pa.array(lines, type=pa.int64()),
            pa.array(issues, type=pa.string()),
            pa.array(raws, type=pa.string()),
        ],
        names=[*names, *READER_COLUMNS],
    )
