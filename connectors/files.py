"""Connector `csv`: a landing folder of exports, CSV or Parquet, full or one folder per day.

It reads the generator's layout (`<root>/salesforce/<Object>.csv`, `<root>/erp/<table>.csv`, or
the same under `<root>/<YYYY-MM-DD>/`), and works the same on a real Salesforce Data Loader or
Data Export folder laid out that way. A file is one batch; files are taken in path order (full
export first, then day folders in date order). A file lands once: its key is its path and the
SHA-256 of its content, kept in the warehouse with the batch.

The folder's rules: in `salesforce/` and `erp/` (at the top or in a day folder), a file whose name
ends in `.csv`, `.csv.gz` or `.parquet`, in any case (`Account.CSV`), is the object its name says.
Everything else is skipped and reported with the reason (`skipped()`): other extensions, files in
deeper folders, other folders, and links that lead outside the landing folder (never followed). The
generator's own notes at the top (`manifest.json`, `defects.csv`, `.fauxforce-daily.json` and its `.lock`) are not data.
A `describe/` folder at the top holds describe metadata (`describe/<Object>.json`, as a twin's export has):
where a Salesforce object has one, its batches carry the field types and picklist values, as a live org's do.

CSV files are read by `connectors.csvfile`: encoding and delimiter detected per file (or forced with
`encoding=` / `delimiter=`), every record kept with its line number, ragged records flagged rather
than fatal. What was found goes with the batch into `meta.ingested_files.format`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from fauxforce.connectors.base import Batch, Connector, ObjectRef, register
from fauxforce.connectors.csvfile import ISSUE, LINE, RAW, CsvError, FileFormat, clean_header, read_csv
from fauxforce.core import describe
from fauxforce.core.hashing import file_sha256

SYSTEMS = ("salesforce", "erp")
SUFFIXES = (".csv.gz", ".csv", ".parquet")  # longest first: `Account.csv.gz` is Account
DAY_FOLDER = re.compile(r"^\d{4}-\d{2}-\d{2}$")
GENERATOR_NOTES = ("manifest.json", "defects.csv", ".fauxforce-daily.json", ".fauxforce-daily.lock")
METADATA = (describe.FOLDER,)  # folders at the top that describe the data rather than hold it


def object_name(path: Path) -> str | None:
    """The object a data file holds (`Account.CSV`, `Account.csv.gz` → `Account`); None for other files."""
    lower = path.name.lower()
    for suffix in SUFFIXES:
        if lower.endswith(suffix) and len(lower) > len(suffix):
            return path.name[: -len(suffix)]
    return None


class SourceFileError(ValueError):
    """A landing file that cannot be read: the message names the file and what to do."""


@register
class FileConnector(Connector):
    name = "csv"

    def __init__(self, landing: str | Path, encoding: str | None = None, delimiter: str | None = None) -> None:
        self.root = Path(landing)
        self.encoding = encoding or None
        self.delimiter = delimiter or None
        if not self.root.is_dir():
            raise SourceFileError(f"landing folder {self.root} does not exist; generate one with `fauxforce generate`")
        self._scanned: tuple[list[tuple[ObjectRef, Path]], list[tuple[Path, str]]] | None = None

    def _folders(self) -> list[Path]:
        days = sorted(p for p in self.root.iterdir() if self._inside(p) and p.is_dir() and DAY_FOLDER.match(p.name))
        return [self.root, *days]

    def _inside(self, path: Path) -> bool:
        """Whether `path`, links resolved, stays inside the landing folder."""
        return path.resolve().is_relative_to(self.root.resolve())

    def _scan(self) -> tuple[list[tuple[ObjectRef, Path]], list[tuple[Path, str]]]:
        """The data files in load order, and every other entry with the reason it is not read (listed once
        per connector: one run reads the folder as it was when the run began)."""
        if self._scanned is None:
            self._scanned = self._list()
        return self._scanned

    def _list(self) -> tuple[list[tuple[ObjectRef, Path]], list[tuple[Path, str]]]:
        found: list[tuple[ObjectRef, Path]] = []
        skipped: list[tuple[Path, str]] = []
        folders = self._folders()
        for folder in folders:
            for entry in sorted(folder.iterdir()):
                read_below = entry in folders or (entry.is_dir() and entry.name in SYSTEMS)
                notes = folder == self.root and (
                    entry.name in GENERATOR_NOTES or (entry.name in METADATA and entry.is_dir())
                )
                if not self._inside(entry):
                    skipped.append((entry, "a link that leads outside the landing folder"))
                elif read_below or notes:
                    continue
                elif entry.is_dir():
                    skipped.append((entry, f"a folder that is neither {' nor '.join(SYSTEMS)} nor a day (YYYY-MM-DD)"))
                else:
                    skipped.append((entry, f"a file outside {' and '.join(f'{s}/' for s in SYSTEMS)}"))
            for system in SYSTEMS:
                base = folder / system
                if not base.is_dir() or not self._inside(base):
                    continue
                for path in sorted(base.iterdir()):
                    name = object_name(path)
                    if not self._inside(path):
                        skipped.append((path, "a link that leads outside the landing folder"))
                    elif path.is_dir():
                        skipped.append((path, "a folder inside a system folder (only its files are read)"))
                    elif name is None:
                        skipped.append((path, "not a .csv, .csv.gz or .parquet file"))
                    elif path.is_file():
                        found.append((ObjectRef(system, name), path))  # type: ignore[arg-type]
                    else:
                        skipped.append((path, "not a regular file"))
        return found, skipped

    def files(self, ref: ObjectRef | None = None) -> list[tuple[ObjectRef, Path]]:
        return [(r, path) for r, path in self._scan()[0] if ref is None or r == ref]

    def skipped(self) -> list[tuple[str, str]]:
        """(path in the landing folder, why it is not read) for every entry that is not a data file."""
        return [(str(path.relative_to(self.root)), reason) for path, reason in self._scan()[1]]

    def objects(self) -> list[ObjectRef]:
        return sorted({r for r, _ in self.files()})

    def extract(
        self, ref: ObjectRef, seen: Callable[[dict[str, str]], bool], since: str | None = None
    ) -> Iterator[Batch]:
        types, picklists = self.described(ref)
        for _, path in self.files(ref):
            state = {"file": path.relative_to(self.root).as_posix(), "sha256": file_sha256(path)}
            if seen(state):
                continue
            try:
                data, info = read_as_text(path, self.encoding, self.delimiter)
            except SourceFileError as e:  # this file is quarantined; the others still land
                yield Batch(ref, pa.table({}), path.resolve().as_uri(), state, error=str(e))
                continue
            yield Batch(ref, data, path.resolve().as_uri(), state, info, fields=types, picklists=picklists)

    def described(self, ref: ObjectRef) -> tuple[dict[str, str], dict[str, list[str]]]:
        """The field types and picklist values `describe/<Object>.json` gives for a Salesforce object (a twin's
        export has them; so may any folder a user adds them to), else none: then silver types by convention."""
        if ref.system != "salesforce":
            return {}, {}
        try:
            found = describe.read_object(self.root / describe.FOLDER, ref.name)
        except describe.DescribeError as e:
            raise SourceFileError(f"{e}; fix or remove it") from None
        return describe.field_types(found) if found else ({}, {})


def read_as_text(
    path: Path, encoding: str | None = None, delimiter: str | None = None
) -> tuple[pa.Table, dict[str, object]]:
    """Every column of a CSV or Parquet file as text (empty fields null), and how it was read."""
    try:
        if path.name.lower().endswith(".parquet"):
            table = pq.read_table(path)
            n = table.num_rows
            fmt = FileFormat(encoding="parquet")
            names = clean_header(table.column_names, fmt)  # empty, reserved and case-twin names renamed
            text = pa.table([_as_text(c) for c in table.columns], names=names)
            text = text.append_column(LINE, pa.nulls(n, pa.int64())).append_column(ISSUE, pa.nulls(n, pa.string()))
            info: dict[str, object] = {"encoding": "parquet", "records": n}
            if fmt.header:
                info["header"] = fmt.header
            nested = [name for name, c in zip(names, table.columns, strict=True) if pa.types.is_nested(c.type)]
            if nested:
                info["json_columns"] = nested
            return text.append_column(RAW, pa.nulls(n, pa.string())), info
        table, fmt = read_csv(path, encoding, delimiter)
        info = json.loads(fmt.to_json())
        return table, info | ({"compression": "gzip"} if path.name.lower().endswith(".gz") else {})
    except CsvError as e:
        raise SourceFileError(str(e)) from e
    except (pa.ArrowException, OSError, EOFError) as e:
        kind = "".join(s for s in SUFFIXES if path.name.lower().endswith(s))[1:] or "data"
        raise SourceFileError(f"cannot read {path}: {e}. Check that it is a complete {kind} export") from e


def _as_text(column: pa.ChunkedArray) -> pa.ChunkedArray | pa.Array:
    """A Parquet column as text: timestamps and booleans as the Bulk API writes them, nested values (struct,
    list, map) as JSON, bytes as UTF-8 (undecodable bytes replaced), anything else as Arrow casts it."""
    t = column.type
    if pa.types.is_timestamp(t):
        text = pc.strftime(column, format="%Y-%m-%dT%H:%M:%S.000Z") if t.tz else pc.strftime(column)
        return text
    if pa.types.is_boolean(t):
        return pc.if_else(column, "true", "false")
    if pa.types.is_nested(t):
        values = column.to_pylist()
        return pa.array(
            [None if v is None else json.dumps(v, default=str, ensure_ascii=False) for v in values], type=pa.string()
        )
    if pa.types.is_binary(t) or pa.types.is_large_binary(t) or pa.types.is_fixed_size_binary(t):
        values = column.to_pylist()
        return pa.array([None if v is None else v.decode("utf-8", errors="replace") for v in values], type=pa.string())
    try:
        return column.cast(pa.string())
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return pa.array([None if v is None else str(v) for v in column.to_pylist()], type=pa.string())
