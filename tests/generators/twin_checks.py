"""What a generated twin must hold for each field its describe lists, as the org would hold it."""

from __future__ import annotations

import csv
import re
from pathlib import Path
from typing import Any

from fauxforce.core.describe import Describes, active_values, queryable
from fauxforce.generators.twin import SKIPPED

PATTERNS = {
    "boolean": r"true|false",
    "int": r"-?\d+",
    "date": r"\d{4}-\d\d-\d\d",
    "datetime": r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z",
    "time": r"\d\d:\d\d:\d\d\.\d{3}Z",
    "id": r"[0-9A-Za-z]{18}",
    "reference": r"[0-9A-Za-z]{18}",
    "email": r"[^@\s]+@[^@\s]+\.[A-Za-z]+",
}
NUMBER = r"-?\d+(\.\d+)?"


def read(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    with path.open(newline="", encoding="utf-8") as f:
        reader = csv.DictReader(f)
        return list(reader.fieldnames or []), list(reader)


def field_problems(out: Path, described: Describes) -> list[str]:
    """Every way the twin's files break their describe: one line per field and problem (empty: none)."""
    problems: list[str] = []
    ids: dict[str, set[str]] = {}
    files = {p.stem: read(p) for p in (out / "salesforce").glob("*.csv")}
    for name, (_, rows) in files.items():
        ids[name] = {r["Id"] for r in rows}
    for name, d in described.objects.items():
        if name not in files:
            problems.append(f"{name}: no file")
            continue
        header, rows = files[name]
        if not rows:
            problems.append(f"{name}: no records")
        for f in d["fields"]:
            if f["type"] in SKIPPED or not queryable(f):
                continue
            problems += [f"{name}.{f['name']}: {p}" for p in _check(f, header, rows, ids, described)]
    return problems


def _check(
    f: dict[str, Any], header: list[str], rows: list[dict[str, str]], ids: dict[str, set[str]], d: Describes
) -> list[str]:
    name, kind = f["name"], f["type"]
    if name not in header:
        return ["missing"]
    values = [r[name] for r in rows]
    present = [v for v in values if v != ""]
    out = []
    if not f.get("nillable", True) and len(present) < len(values):
        out.append(f"required, {len(values) - len(present)} empty")
    pattern = PATTERNS.get(kind, NUMBER if kind in ("double", "currency", "percent") else None)
    bad = [v for v in present if pattern and not re.fullmatch(pattern, v)]
    if bad:
        out.append(f"not a {kind}: {bad[:3]}")
    if kind in ("double", "currency", "percent") and not bad:
        scale, precision = int(f.get("scale") or 0), int(f.get("precision") or 18)
        wide = [v for v in present if len(v.split(".")[1] if "." in v else "") > scale]
        long = [v for v in present if len(v.lstrip("-").split(".")[0]) > max(precision - scale, 1)]
        if wide or long:
            out.append(f"beyond precision {precision}, scale {scale}: {(wide + long)[:3]}")
    length = int(f.get("length") or 0)
    if length and kind not in ("id", "reference"):
        too_long = [v for v in present if len(v) > length]
        if too_long:
            out.append(f"longer than {length}: {too_long[:2]}")
    if kind in ("picklist", "multipicklist") and f.get("picklistValues"):
        allowed = set(active_values(f))
        parts = [p for v in present for p in (v.split(";") if kind == "multipicklist" else [v])]
        other = sorted({p for p in parts if p not in allowed})
        if other:
            out.append(f"not in its picklist: {other[:3]}")
    if kind == "reference" and present:
        targets = f.get("referenceTo") or []
        known = set().union(*(ids.get(t, set()) for t in targets))
        dangling = [v for v in present if v not in known]
        if dangling:
            out.append(f"{len(dangling)} lookups to no record of {targets}")
    if (kind == "id" or f.get("unique") or f.get("externalId")) and len(set(present)) < len(present):
        out.append("not unique")
    return out
