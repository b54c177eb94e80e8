"""Connector `csv`: a landing folder of exports, CSV or Parquet, full or one folder per day.

It reads the generator's layout (`<root>/salesforce/<Object>.csv`, `<root>/erp/<table>.csv`, or
the same under `<root>/<YYYY-MM-DD>/`), and works the same on a real Salesforce Data Loader or
Data Export folder laid out that way. A file is one batch; files are taken in path order (full
export first, then day folders in date order). A file lands once: its key is its path and the
SHA-256 of its content, kept in the warehouse with the batch.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from connectors.base import Batch, Connector, ObjectRef, register
from fauxforce.hashing import file_sha256

SYSTEMS = ("salesforce", "erp")
SUFFIXES = (".csv", ".parquet")
DAY_FOLDER = re.compile(r"^\d{4}-\d{2}-\d{2}$")


class SourceFileError(ValueError):
    """A landing file that cannot be read: the message names the file and what to do."""


@register
class FileConnector(Connector):
    name = "csv"

    def __init__(self, landing: str | Path) -> None:
        self.root = Path(landing)
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

    def extract(self, ref: ObjectRef, seen: Callable[[dict[str, str]], bool]) -> Iterator[Batch]:
        for _, path in self.files(ref):
            state = {"file": path.relative_to(self.root).as_posix(), "sha256": file_sha256(path)}
            if seen(state):
                continue
            yield Batch(ref, read_as_text(path), path.resolve().as_uri(), state)


def read_as_text(path: Path) -> pa.Table:
    """Every column of a CSV or Parquet file as text; empty fields as null."""
    try:
        if path.suffix == ".parquet":
            table = pq.read_table(path)
            return pa.table([_as_text(c) for c in table.columns], names=table.column_names)
        header = pacsv.open_csv(path, read_options=pacsv.ReadOptions(block_size=1 << 16)).schema.names
        return pacsv.read_csv(
            path,
            convert_options=pacsv.ConvertOptions(
                column_types={name: pa.string() for name in header}, strings_can_be_null=True, null_values=[""]
            ),
        )
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
