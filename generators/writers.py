"""Writers behind one interface, picked by format: CSV as Salesforce and ERP exports spell values, or Parquet.

CSV follows the Bulk API conventions for Salesforce objects (datetimes `2024-01-15T10:30:00.000Z`,
booleans `true`/`false`, nulls as empty fields, every value quoted) and an ERP export's for ERP
tables (`2024-01-15 10:30:00`). Parquet keeps the types.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal, Protocol

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from fauxforce.generators.timeline import System

Format = Literal["csv", "parquet"]
FORMATS: tuple[Format, ...] = ("csv", "parquet")


class TableWriter(Protocol):
    def write(self, table: pa.Table) -> None: ...
    def close(self) -> None: ...


def as_export_text(table: pa.Table, system: System) -> pa.Table:
    """Datetimes as the source system writes them in its exports; everything else as Arrow writes it."""
    columns = []
    for field, column in zip(table.schema, table.columns, strict=True):
        if pa.types.is_timestamp(field.type):
            text = pc.utf8_slice_codeunits(column.cast(pa.timestamp("s")).cast(pa.string()), 0, 19)
            if system == "salesforce":
                text = pc.binary_join_element_wise(pc.utf8_replace_slice(text, 10, 11, "T"), ".000Z", "")
            column = text
        columns.append(column)
    return pa.table(columns, names=table.column_names)


class CsvWriter:
    def __init__(self, path: Path, system: System) -> None:
        self.path = path
        self.system = system
        self._writer: pacsv.CSVWriter | None = None
        self._schema: pa.Schema | None = None

    def write(self, table: pa.Table) -> None:
        text = as_export_text(table, self.system)
        if self._writer is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._schema = text.schema
            options = pacsv.WriteOptions(quoting_style="needed")
            self._writer = pacsv.CSVWriter(str(self.path), self._schema, write_options=options)
        self._writer.write_table(text.cast(self._schema))

    def close(self) -> None:
        if self._writer is not None:
            self._writer.close()


class ParquetWriter:
    def __init__(self, path: Path, system: System) -> None:
        self.path = path
        self._writer: pq.ParquetWriter | None = None
        self._schema: pa.Schema | None = None

    def write(self, table: pa.Table) -> None:
        if self._writer is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._schema = table.schema
            self._writer = pq.ParquetWriter(str(self.path), self._schema, compression="zstd")
        self._writer.write_table(table.cast(self._schema))

    def close(self) -> None:
        if self._writer is not None:
            self._writer.close()


def open_writer(fmt: Format, path: Path, system: System) -> TableWriter:
    return CsvWriter(path, system) if fmt == "csv" else ParquetWriter(path, system)
