"""The CSV reader on files as people and systems really write them: each defect in a file of its own.

Every test writes the bytes of a file, reads it with `read_csv`, and checks the values, the line
numbers, and what the reader reports about the file. The last tests are property-based: for any
rows, any dialect and any encoding, every record comes back, in order, with its values.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from fauxforce.connectors.csvfile import CsvError, FileFormat, decode, read_csv


def _read(tmp_path: Path, data: bytes, **kw: str) -> tuple[list[dict[str, object]], object]:
    path = tmp_path / "Account.csv"
    path.write_bytes(data)
    table, fmt = read_csv(path, **kw)
    return table.to_pylist(), fmt


def test_utf8_lf_with_quoted_commas_doubled_quotes_html_and_line_breaks(tmp_path: Path) -> None:
    data = 'Id,Name,Description\n1,"Acme, Inc.","He said ""hi"" <b>bold</b>"\n2,Zoë,"two\nlines"\n3,x,y\n'
    rows, fmt = _read(tmp_path, data.encode())
    assert [r["Name"] for r in rows] == ["Acme, Inc.", "Zoë", "x"]
    assert rows[0]["Description"] == 'He said "hi" <b>bold</b>' and rows[1]["Description"] == "two\nlines"
    assert [r["_line_number"] for r in rows] == [2, 3, 5]  # the two-line value pushes record 3 to line 5
    assert fmt.encoding == "utf-8" and fmt.newline == "LF" and fmt.parser == "arrow"  # type: ignore[attr-defined]


def test_utf8_bom_is_not_stuck_to_the_first_header(tmp_path: Path) -> None:
    rows, fmt = _read(tmp_path, b"\xef\xbb\xbfId,Name\r\n1,A\r\n")
    assert list(rows[0])[:2] == ["Id", "Name"] and fmt.encoding == "utf-8-sig"  # type: ignore[attr-defined]
    assert fmt.newline == "CRLF"  # type: ignore[attr-defined]


def test_windows_1252_and_latin1(tmp_path: Path) -> None:
    rows, fmt = _read(tmp_path, "Id,Name\n1,Café Müller – “quoted”\n2,Señor\n".encode("cp1252"))
    assert [r["Name"] for r in rows] == ["Café Müller – “quoted”", "Señor"]
    assert fmt.encoding == "cp1252"  # type: ignore[attr-defined]
    rows, _ = _read(tmp_path, b"Id,Name\n1,Gr\xfc\xdfe\x81\n")  # 0x81: undefined in cp1252, kept as Latin-1
    assert rows[0]["Name"] == "Grüße\x81"


def test_mis_encoded_lines_in_a_utf8_file_are_read_line_by_line(tmp_path: Path) -> None:
    data = "Id,Name\n1,Zoë\n".encode() + "2,Café\n".encode("cp1252") + "3,Łódź\n".encode()
    rows, fmt = _read(tmp_path, data)
    assert [r["Name"] for r in rows] == ["Zoë", "Café", "Łódź"]
    assert fmt.encoding == "utf-8+cp1252" and fmt.cp1252_lines == [3]  # type: ignore[attr-defined]


def test_a_forced_encoding_that_does_not_fit_names_the_line(tmp_path: Path) -> None:
    with pytest.raises(CsvError, match=r"Account\.csv line 3: .* not utf-8"):
        _read(tmp_path, b"Id,Name\n1,a\n2,Caf\xe9\n", encoding="utf-8")
    rows, fmt = _read(tmp_path, "Id;Name\n1;Café\n".encode("cp1252"), encoding="cp1252", delimiter=";")
    assert rows[0]["Name"] == "Café" and fmt.encoding == "cp1252"  # type: ignore[attr-defined]


def test_no_final_newline_header_only_and_empty_files(tmp_path: Path) -> None:
    rows, fmt = _read(tmp_path, b"Id,Name\n1,a\n2,b")
    assert [r["Name"] for r in rows] == ["a", "b"] and fmt.final_newline is False  # type: ignore[attr-defined]
    path = tmp_path / "h.csv"
    path.write_bytes(b"Id,Name\r\n")
    table, fmt = read_csv(path)
    assert table.num_rows == 0 and table.column_names[:2] == ["Id", "Name"]
    for empty in (b"", b"\xef\xbb\xbf", b"\n\n"):
        path.write_bytes(empty)
        table, fmt = read_csv(path)
        assert table.num_rows == 0 and fmt.records == 0


def test_ragged_rows_keep_their_line_and_fields_and_the_rest_loads(tmp_path: Path) -> None:
    data = b"Id,Name,City\n1,a,x\n2,b\n3,c,y,extra\n\n4,d,z\n"
    rows, fmt = _read(tmp_path, data)
    assert [r["Id"] for r in rows] == ["1", "2", "3", "4"]
    assert [r["_line_number"] for r in rows] == [2, 3, 4, 6]
    assert rows[1]["_issue"] == "ragged_row: 2 fields where the header has 3"
    assert json.loads(rows[2]["_raw"]) == ["3", "c", "y", "extra"]  # type: ignore[arg-type]
    assert rows[0]["_issue"] is None and rows[3]["_issue"] is None
    assert fmt.ragged_rows == 2 and fmt.blank_lines == 1 and fmt.parser == "python"  # type: ignore[attr-defined]


def test_delimiters_are_detected(tmp_path: Path) -> None:
    for delimiter in (";", "\t", "|"):
        rows, fmt = _read(tmp_path, f'Id{delimiter}Name{delimiter}Note\n1{delimiter}"a,b"{delimiter}c\n'.encode())
        assert rows[0]["Name"] == "a,b" and fmt.delimiter == delimiter  # type: ignore[attr-defined]


def test_a_delimiter_inside_a_quoted_header_with_a_line_break_is_not_the_delimiter(tmp_path: Path) -> None:
    """A header cell `;<line break>` (quoted): the header record spans two lines, and its `;` is text."""
    rows, fmt = _read(tmp_path, b'";\n",""\n0,"\n"\n')
    assert fmt.delimiter == ","  # type: ignore[attr-defined]
    assert rows[0][";"] == "0" and rows[0]["column_2"] == "\n"  # the header trimmed, and the change recorded
    assert fmt.header == {";\n": ";", "": "column_2"}  # type: ignore[attr-defined]
    rows, fmt = _read(tmp_path, b'"a,\nb";c;d\n1;2;3\n')  # and the other way round
    assert fmt.delimiter == ";" and rows[0]["c"] == "2"  # type: ignore[attr-defined]


def test_utf16_and_nul_characters(tmp_path: Path) -> None:
    rows, fmt = _read(tmp_path, "Id\tName\r\n1\tZoë\r\n".encode("utf-16"))
    assert rows[0]["Name"] == "Zoë" and fmt.encoding == "utf-16" and fmt.delimiter == "\t"  # type: ignore[attr-defined]
    rows, fmt = _read(tmp_path, "Id,Name\r\n1,Zoë\r\n".encode("utf-16-le"))  # no BOM
    assert rows[0]["Name"] == "Zoë" and fmt.encoding == "utf-16-le"  # type: ignore[attr-defined]
    rows, fmt = _read(tmp_path, b"Id,Name\n1,a\x00b\n")
    assert rows[0]["Name"] == "a\ufffdb" and fmt.nul_replaced == 1  # type: ignore[attr-defined]


def test_header_cells_are_cleaned_and_never_repeated(tmp_path: Path) -> None:
    rows, fmt = _read(tmp_path, b" Id ,Name,,name\n1,a,b,c\n")
    assert list(rows[0])[:4] == ["Id", "Name", "column_3", "name_2"]
    assert fmt.header == {" Id ": "Id", "": "column_3", "name": "name_2"}  # type: ignore[attr-defined]


def test_bare_cr_line_endings(tmp_path: Path) -> None:
    rows, fmt = _read(tmp_path, b"Id,Name\r1,a\r2,b\r")
    assert [(r["Name"], r["_line_number"]) for r in rows] == [("a", 2), ("b", 3)]
    assert fmt.newline == "CR"  # type: ignore[attr-defined]


# ---- properties ------------------------------------------------------------------------------------

cell = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00\r"), max_size=12)
ENCODINGS = ("utf-8", "utf-8-sig", "cp1252", "utf-16")


def _utf8_lookalike(text: str) -> bool:
    """Whether `text` written in Windows-1252 is also valid UTF-8 that says something else."""
    try:
        return text.encode("cp1252").decode("utf-8") != text
    except UnicodeDecodeError:
        return False


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    width=st.integers(1, 5),
    rows=st.lists(st.lists(cell, min_size=1, max_size=7), max_size=25),
    delimiter=st.sampled_from([",", ";", "\t", "|"]),
    newline=st.sampled_from(["\n", "\r\n"]),
    quoting=st.sampled_from([csv.QUOTE_MINIMAL, csv.QUOTE_ALL]),
    encoding=st.sampled_from(ENCODINGS),
    final_newline=st.booleans(),
)
def test_every_record_comes_back_in_order_with_its_values(
    tmp_path: Path,
    width: int,
    rows: list[list[str]],
    delimiter: str,
    newline: str,
    quoting: int,
    encoding: str,
    final_newline: bool,
) -> None:
    header = [f"c{i}" for i in range(width)]
    # a record that would read back as a blank line is not a record; give it a value
    records = [r if any(r) or len(r) > 1 else ["x"] for r in rows]
    buf = io.StringIO()
    writer = csv.writer(buf, delimiter=delimiter, lineterminator=newline, quoting=quoting)
    writer.writerow(header)
    writer.writerows(records)
    text = buf.getvalue() if final_newline else buf.getvalue().removesuffix(newline)
    if encoding == "cp1252":
        text = text.encode("cp1252", errors="replace").decode("cp1252")
        records = [[c.encode("cp1252", errors="replace").decode("cp1252") for c in r] for r in records]
        # Windows-1252 bytes that also spell UTF-8 text (`Â` + NBSP is C2 A0, UTF-8's NBSP) read as UTF-8 to a
        # reader that detects per file or per line; such a cell is ambiguous, not misread
        assume(not any(_utf8_lookalike(c) for r in records for c in r))
    path = tmp_path / "x.csv"
    path.write_bytes(text.encode(encoding))
    table, fmt = read_csv(path, delimiter=delimiter if width == 1 else None)
    assert table.num_rows == len(records) == fmt.records
    got = table.to_pylist()
    for want, row in zip(records, got, strict=True):
        if len(want) == width:
            assert [row[h] for h in header] == [v or None for v in want]
            assert row["_issue"] is None
        else:
            assert json.loads(row["_raw"]) == want  # a ragged record keeps every field
            assert row["_issue"].startswith("ragged_row")
    # each record starts on the line after the previous record's last line
    lines = [row["_line_number"] for row in got]
    assert lines == sorted(lines) and (not lines or lines[0] == 2)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.binary(max_size=300))
def test_any_bytes_are_read_without_raising_and_match_the_csv_module(tmp_path: Path, data: bytes) -> None:
    path = tmp_path / "x.csv"
    path.write_bytes(data)
    table, fmt = read_csv(path)
    # whichever parser read it, the records are those Python's csv module finds in the decoded text
    text = decode(data, FileFormat()).replace("\x00", "\ufffd")
    if text.strip():
        found = [r for r in csv.reader(io.StringIO(text, newline=""), delimiter=fmt.delimiter, strict=False)][1:]
        assert table.num_rows == fmt.records == sum(1 for r in found if r)
        assert fmt.blank_lines == (sum(1 for r in found if not r) if fmt.parser == "python" else 0)
    else:
        assert table.num_rows == 0
