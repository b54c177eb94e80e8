"""Connector `csv`: a landing folder of exports, CSV or Parquet, full or one folder per day.

It reads the generator's layout (`<root>/salesforce/<Object>.csv`, `<root>/erp/<table>.csv`, or
the same under `<root>/<YYYY-MM-DD>/`), and works the same on a real Salesforce Data Loader or
Data Export folder laid out that way. A file is one batch; files are taken in path order (full
export first, then day folders in date order). A file lands once: its key is its path and the
SHA-256 of its content, kept in the warehouse with the batch.

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
from fauxforce.connectors.csvfile import ISSUE, LINE, RAW, CsvError, read_csv
from fauxforce.core.hashing import file_sha256

SYSTEMS = ("salesforce", "erp")
SUFFIXES = (".csv", ".parquet")
DAY_FOLDER = re.compile(r"^\d{4}-\d{2}-\d{2}$")


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

    def _folders(self) -> list[Path]:
        days = sorted(p for p in self.root.iterdir() if p.is_dir() and DAY_FOLDER.match(p.name))
        return [self.root, *days]

    def files(self, ref: ObjectRef | None = None) -> list[tuple[ObjectRef, Path]]:
        found: list[tuple[ObjectRef, Path]] = []
        for folder in self._folders():
            for system in SYSTEMS:
                base = folder / system
                if not base.is_dir():
                    continue
                for path in sorted(base.iterdir()):
                    if path.suffix in SUFFIXES and path.is_file():
                        r = ObjectRef(system, path.stem)  # type: ignore[arg-type]
                        if ref is None or r == ref:
                            found.append((r, path))
        return found

    def objects(self) -> list[ObjectRef]:
        return sorted({r for r, _ in self.files()})

    def extract(
        self, ref: ObjectRef, seen: Callable[[dict[str, str]], bool], since: str | None = None
    ) -> Iterator[Batch]:
        for _, path in self.files(ref):
            state = {"file": path.relative_to(self.root).as_posix(), "sha256": file_sha256(path)}
            if seen(state):
                continue
            data, info = read_as_text(path, self.encoding, self.delimiter)
            yield Batch(ref, data, path.resolve().as_uri(), state, info)


def read_as_text(
    path: Path, encoding: str | None = None, delimiter: str | None = None
) -> tuple[pa.Table, dict[str, object]]:
    """Every column of a CSV or Parquet file as text (empty fields null), and how it was read."""
    try:
        if path.suffix == ".parquet":
            table = pq.read_table(path)
            n = table.num_rows
            text = pa.table([_as_text(c) for c in table.columns], names=table.column_names)
            text = text.append_column(LINE, pa.nulls(n, pa.int64())).append_column(ISSUE, pa.nulls(n, pa.string()))
            return text.append_column(RAW, pa.nulls(n, pa.string())), {"encoding": "parquet", "records": n}
        table, fmt = read_csv(path, encoding, delimiter)
        return table, json.loads(fmt.to_json())
    except CsvError as e:
        raise SourceFileError(str(e)) from e
    except (pa.ArrowInvalid, OSError) as e:
        raise SourceFileError(f"cannot read {path}: {e}. Check that it is a complete {path.suffix[1:]} export") from e


def _as_text(column: pa.ChunkedArray) -> pa.ChunkedArray:
    t = column.type
    if pa.types.is_timestamp(t):
        text = pc.strftime(column, format="%Y-%m-%dT%H:%M:%S.000Z") if t.tz else pc.strftime(column)
        return text
    if pa.types.is_boolean(t):
        return pc.if_else(column, "true", "false")
    return column.cast(pa.string())
