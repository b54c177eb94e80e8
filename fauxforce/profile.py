"""How faithful a generated org is to a reference: `fauxforce profile GENERATED --reference REF`.

The reference is either a describe folder (what `generate --describe` takes) or an export folder of real
records (`salesforce/<Object>.csv`, or the CSV files at its top, as a Salesforce CLI dump lays them out).
Each Salesforce object of the reference gets a score from 0 to 100:

- Against a describe: half for the fields present (every queryable field the describe lists), half for
  the fields whose every value is valid for the declared type: a checkbox, a number within precision and
  scale, a date, an Id, text within its length, a value of the picklist (active values), a lookup to a
  record of the objects it refers to, no empty value where the field is required, no repeated value in a
  unique field. Picklist coverage (the share of the org's active values that occur) is reported beside
  it.
- Against records: the mean of the fields present; the fields typed alike (as silver infers a type from
  a column's name and values); 1 minus the mean gap between null rates; for amounts and other numbers, 1
  minus the mean two-sample Kolmogorov-Smirnov distance; for lookups, how alike their fan-out is (rows per
  distinct parent, the smaller over the larger).

An object the reference has and the generated org lacks scores 0. Nothing is written; the figures are
printed, or returned by `profile()`.
"""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from fauxforce.connectors.csvfile import ISSUE, LINE, RAW
from fauxforce.connectors.files import SourceFileError, object_name, read_as_text
from fauxforce.core.describe import DescribeError, Describes, active_values, queryable, read_folder
from fauxforce.generators.twin import SKIPPED  # described, never in an export
from fauxforce.silver.infer import column_type

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
NUMERIC = ("double", "currency", "percent")


class ProfileError(ValueError):
    """A folder that cannot be profiled: the message names it and says what it must hold."""


@dataclass
class ObjectProfile:
    name: str
    expected: int  # fields the reference has
    present: int  # of them, in the generated org
    score: float
    agree: int = 0  # fields valid for their declared type (describe), or typed alike (records)
    missing: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    picklist_coverage: float | None = None
    null_gap: float | None = None
    ks: float | None = None
    fan_out: float | None = None
    records: int = 0


# ---- reading ------------------------------------------------------------------------------------------


def _objects(folder: Path) -> dict[str, Path]:
    """The Salesforce files of an export folder: `salesforce/<Object>.csv`, else the data files at its top."""
    base = folder / "salesforce" if (folder / "salesforce").is_dir() else folder
    found = {}
    for path in sorted(base.iterdir()) if base.is_dir() else []:
        name = object_name(path)
        if name and path.is_file():
            found[name] = path
    return found


def _read(path: Path) -> dict[str, list[str | None]]:
    try:
        table, _ = read_as_text(path)
    except SourceFileError as e:
        raise ProfileError(str(e)) from None
    names = [c for c in table.column_names if c not in (LINE, ISSUE, RAW)]
    return {c: table[c].to_pylist() for c in names}


# ---- against a describe ----------------------------------------------------------------------------------


def field_problems(folder: Path, described: Describes) -> list[str]:
    """Every way an export's files break a describe folder: one line per field and problem (empty: none)."""
    files = {name: _read(path) for name, path in _objects(folder).items()}
    return [p for o in _against_describe(files, described) for p in o.problems]


def _against_describe(files: dict[str, dict[str, list[str | None]]], d: Describes) -> list[ObjectProfile]:
    ids = {name: {v for v in columns.get("Id", []) if v} for name, columns in files.items()}
    out = []
    for name, describe in sorted(d.objects.items()):
        fields = [f for f in describe["fields"] if f.get("type") not in SKIPPED and queryable(f)]
        columns = files.get(name)
        if columns is None:
            out.append(ObjectProfile(name, len(fields), 0, 0.0, missing=[f["name"] for f in fields]))
            out[-1].problems.append(f"{name}: no file")
            continue
        profile = ObjectProfile(name, len(fields), 0, 0.0, records=len(next(iter(columns.values()), [])))
        if not profile.records:
            profile.problems.append(f"{name}: no records")
        coverage = []
        for f in fields:
            values = columns.get(f["name"])
            if values is None:
                profile.missing.append(f["name"])
                profile.problems.append(f"{name}.{f['name']}: missing")
                continue
            profile.present += 1
            found = _check(f, [v or "" for v in values], ids)
            profile.problems += [f"{name}.{f['name']}: {p}" for p in found]
            profile.agree += not found
            allowed = active_values(f) if f["type"] in ("picklist", "multipicklist") else []
            if allowed:
                used = {p for v in values if v for p in (v.split(";") if f["type"] == "multipicklist" else [v])}
                coverage.append(len(used & set(allowed)) / len(allowed))
        profile.picklist_coverage = float(np.mean(coverage)) if coverage else None
        profile.score = 100 * (profile.present + profile.agree) / (2 * max(profile.expected, 1))
        out.append(profile)
    return out


def _check(f: dict[str, Any], values: list[str], ids: dict[str, set[str]]) -> list[str]:
    kind = f["type"]
    present = [v for v in values if v != ""]
    out = []
    if not f.get("nillable", True) and len(present) < len(values):
        out.append(f"required, {len(values) - len(present)} empty")
    pattern = PATTERNS.get(kind, NUMBER if kind in NUMERIC else None)
    bad = [v for v in present if pattern and not re.fullmatch(pattern, v)]
    if bad:
        out.append(f"not a {kind}: {bad[:3]}")
    if kind in NUMERIC and not bad:
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


# ---- against records ---------------------------------------------------------------------------------


def _against_records(
    files: dict[str, dict[str, list[str | None]]], reference: dict[str, dict[str, list[str | None]]]
) -> list[ObjectProfile]:
    out = []
    for name, ref in sorted(reference.items()):
        fields = list(ref)
        gen = files.get(name)
        if gen is None:
            out.append(ObjectProfile(name, len(fields), 0, 0.0, missing=fields))
            continue
        profile = ObjectProfile(name, len(fields), 0, 0.0, records=len(next(iter(gen.values()), [])))
        gaps, ks, fan = [], [], []
        for f in fields:
            if f not in gen:
                profile.missing.append(f)
                continue
            profile.present += 1
            a, b = ref[f], gen[f]
            kind_a, kind_b = column_type(f, a), column_type(f, b)
            profile.agree += kind_a == kind_b
            gaps.append(abs(_null_rate(a) - _null_rate(b)))
            if kind_a == kind_b and kind_a in ("float", "money", "int"):
                ks.append(_ks(_numbers(a), _numbers(b)))
            if kind_a == kind_b == "id" and f != "Id":
                fan.append(_similar(_fan_out(a), _fan_out(b)))
        profile.null_gap = float(np.mean(gaps)) if gaps else None
        profile.ks = float(np.mean(ks)) if ks else None
        profile.fan_out = float(np.mean(fan)) if fan else None
        parts = [profile.present / len(fields), profile.agree / max(profile.present, 1)]
        parts += [1 - x for x in (profile.null_gap, profile.ks) if x is not None]
        parts += [profile.fan_out] if profile.fan_out is not None else []
        profile.score = 100 * float(np.mean(parts)) if fields else 0.0
        out.append(profile)
    return out


def _null_rate(values: list[str | None]) -> float:
    return sum(1 for v in values if v is None or v == "") / max(len(values), 1)


def _numbers(values: list[str | None]) -> np.ndarray:
    out = []
    for v in values:
        try:
            out.append(float(str(v).replace(",", "")))
        except ValueError:
            continue
    return np.asarray(out, dtype=np.float64)


def _ks(a: np.ndarray, b: np.ndarray) -> float:
    """The two-sample Kolmogorov-Smirnov distance: the largest gap between the two empirical distributions."""
    if not len(a) or not len(b):
        return 1.0 if len(a) != len(b) else 0.0
    a, b = np.sort(a), np.sort(b)
    grid = np.concatenate([a, b])
    below_a, below_b = np.searchsorted(a, grid, "right") / len(a), np.searchsorted(b, grid, "right") / len(b)
    return float(np.max(np.abs(below_a - below_b)))


def _fan_out(values: list[str | None]) -> float:
    present = [v for v in values if v]
    return len(present) / max(len(set(present)), 1)


def _similar(x: float, y: float) -> float:
    return min(x, y) / max(x, y) if max(x, y) > 0 else 1.0


# ---- the entry point -----------------------------------------------------------------------------------


def profile(generated: Path, reference: Path) -> tuple[str, list[ObjectProfile]]:
    """("describe" or "records", a profile per object of the reference)."""
    if not reference.is_dir():
        raise ProfileError(f"reference {reference} is not a folder (a describe folder, or an export)")
    files = _objects(generated)
    if not files:
        raise ProfileError(f"{generated} holds no Salesforce export (salesforce/<Object>.csv)")
    read = {name: _read(path) for name, path in files.items()}
    if any(reference.glob("*.json")):
        try:
            described = read_folder(reference)
        except DescribeError as e:
            raise ProfileError(str(e)) from None
        return "describe", _against_describe(read, described)
    records = _objects(reference)
    if not records:
        raise ProfileError(f"reference {reference} holds neither describe JSON nor Salesforce CSV files")
    return "records", _against_records(read, {name: _read(path) for name, path in records.items()})


def overall(profiles: list[ObjectProfile]) -> float:
    """The objects' scores, weighted by how many fields each has."""
    weight = sum(p.expected for p in profiles)
    return sum(p.score * p.expected for p in profiles) / weight if weight else 0.0


def as_json(kind: str, profiles: list[ObjectProfile]) -> str:
    objects = [asdict(p) | {"problems": p.problems[:20]} for p in profiles]
    return json.dumps({"against": kind, "score": overall(profiles), "objects": objects}, indent=1, default=str)


def render(kind: str, profiles: list[ObjectProfile]) -> list[str]:
    """The table `fauxforce profile` prints."""
    width = max([len(p.name) for p in profiles] + [6])
    if kind == "describe":
        head = f"{'object':<{width}}  {'fields':>9}  {'valid':>9}  {'picklists':>9}  {'score':>5}"
        rows = [
            f"{p.name:<{width}}  {p.present:>4}/{p.expected:<4}  {p.agree:>4}/{p.expected:<4}  "
            f"{_pct(p.picklist_coverage):>9}  {p.score:>5.1f}"
            for p in profiles
        ]
    else:
        head = f"{'object':<{width}}  {'fields':>9}  {'types':>9}  {'nulls Δ':>7}  {'KS':>5}  {'fan-out':>7}"
        head += f"  {'score':>5}"
        rows = [
            f"{p.name:<{width}}  {p.present:>4}/{p.expected:<4}  {p.agree:>4}/{p.present:<4}  "
            f"{_num(p.null_gap):>7}  {_num(p.ks):>5}  {_num(p.fan_out):>7}  {p.score:>5.1f}"
            for p in profiles
        ]
    return [head, *rows, f"overall score {overall(profiles):.1f} (objects weighted by their fields)"]


def _pct(x: float | None) -> str:
    return "-" if x is None else f"{100 * x:.0f}%"


def _num(x: float | None) -> str:
    return "-" if x is None else f"{x:.2f}"
