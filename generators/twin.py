"""A twin of an org: the generated org shaped to the org's own describe metadata (`generate --describe`).

The built-in generator makes the records, their history and the ERP behind the won deals; the twin
reshapes each Salesforce object's tables on their way to the files, and adds the objects the org has
and the built-in org does not:

- An object both have keeps the generated values of the fields the describe lists, where they fit the
  declared type; every other field the describe lists is drawn by its type, length, precision and scale,
  picklist values (active ones), nillability and uniqueness. Fields the describe does not list are left
  out, except the business keys that tie the CRM to the ERP (`ERP_Customer_Number__c`): the twin adds
  them to its describe as external Ids. A picklist value the org does not have becomes one it has: the
  same value in another case, else one sharing a word (`Closed` → `Closed - Converted`), else one picked
  by the value. Stages keep their meaning: won to won, lost to lost, open stages in pipeline order,
  from the org's `OpportunityStage` where given, else from the names (`… Won`, `… Lost`).
- An object only the org has (a custom object, Event, Task, …) gets records under its first required
  lookup to a generated object (a master-detail parent), else under its first lookup to one that is not
  User: a few per parent record, created after it. An object with no such lookup gets a fixed number of
  records before the history begins. Lookups point at records created before the record that points.
- About 10% of users have left (inactive), still owning what they owned.
- The org's metadata becomes records: its record types (`recordTypeInfos`) RecordType records its objects'
  records carry; queues (Group) that own some records of an object whose owner may be a group; in a
  multi-currency org, CurrencyType records, each account in one currency and every amount converted.

Every drawn value is a function of the seed, the field and the record's Id (never of the order of
generation or of the as-of date), so a record keeps its values from one export to the next and the same
describe, seed and options give the same files.
"""

from __future__ import annotations

import math
import zlib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from fauxforce.core import catalogue
from fauxforce.core.describe import MADE_FROM_METADATA, Describes, Stage, active_values, describe_fields, queryable
from fauxforce.core.salesforce import STAGES
from fauxforce.generators.columns import DAY, TS, join, masked, money, number_text
from fauxforce.generators.ids import ids_for
from fauxforce.generators.timeline import DAY_COLUMN

TEXT = ("string", "textarea", "picklist", "multipicklist", "combobox", "url", "email", "phone", "encryptedstring")
NUMBER = ("int", "double", "currency", "percent")
SKIPPED = ("address", "location", "base64", "complexvalue")  # not in a Bulk API export
HORIZON = 180 * DAY  # a drawn date lies within this long after its record's creation
SYSTEM_HORIZON = 30 * DAY  # … or this, for a date the org maintains (LastViewedDate)
CHILDREN_PER_PARENT = 15  # at most; the mean is between 0.5 and 2 per object
STANDALONE_AT_SCALE_1 = 200  # records of an object with no generated parent
OPEN_STAGES = [s for s in STAGES if not s[3]]
CORPORATE_SHARE = 0.6  # of accounts that deal in the corporate currency, in a multi-currency org
WRITTEN_HERE = MADE_FROM_METADATA  # the twin writes their records itself, never draws them
QUEUED_SHARE = 0.15  # of records whose owner may be a queue (Lead, Case) that a queue owns
QUEUES_PER_OBJECT = 2
INACTIVE_USERS = 0.1  # share of users who have left the company


@dataclass(frozen=True)
class Currencies:
    """A multi-currency org's currencies: the corporate one, and each one's rate (its units per corporate unit,
    as CurrencyType.ConversionRate says) and decimal places."""

    corporate: str
    codes: tuple[str, ...]  # the corporate currency first
    rates: Mapping[str, float]
    decimals: Mapping[str, int]


class TwinError(ValueError):
    """A describe the twin cannot honour: the message says which field and what to add."""


def _salt(*parts: object) -> np.uint64:
    return np.uint64(zlib.crc32("\x1f".join(map(str, parts)).encode()))


def _mix(h: np.ndarray, salt: np.uint64) -> np.ndarray:
    """splitmix64 of h + salt: a fresh, well-spread 64-bit value per element."""
    with np.errstate(over="ignore"):
        z = h + salt * np.uint64(0x9E3779B97F4A7C15)
        z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return z ^ (z >> np.uint64(31))


def _uniform(h: np.ndarray, salt: np.uint64) -> np.ndarray:
    return (_mix(h, salt) >> np.uint64(11)).astype(np.float64) / float(2**53)


def _scalar(*parts: object) -> float:
    """One uniform draw in [0, 1) that depends on `parts` only: a per-object or per-field setting."""
    return float(_uniform(np.zeros(1, np.uint64), _salt(*parts))[0])


def _counter(ids: pa.Array) -> np.ndarray:
    """The counter an 18-character Id holds in its characters 7–15 (base 62)."""
    raw = np.frombuffer(pc.utf8_slice_codeunits(ids, 6, 15).cast(pa.binary(9)).buffers()[1], dtype=np.uint8)
    digits = raw.reshape(-1, 9).astype(np.int64)
    value = np.where(digits >= 97, digits - 61, np.where(digits >= 65, digits - 55, digits - 48))
    out = np.zeros(len(ids), dtype=np.int64)
    for i in range(9):
        out = out * 62 + value[:, i]
    return out


@dataclass(frozen=True)
class Child:
    """How an object only the org has gets its records: under which parent field, or standalone."""

    name: str
    parent_field: str | None
    parent: str | None
    rate: float  # mean records per parent record, or records at scale 1 when standalone


class Twin:
    """Shapes the generated Salesforce tables to a describe folder and generates the objects only it has."""

    def __init__(
        self,
        describes: Describes,
        seed: int,
        scale: float,
        start_ts: int,
        words: pa.StringArray,
        generated: set[str],
        cut: int,
    ) -> None:
        self.d = describes
        self.seed, self.scale, self.start_ts, self.cut = seed, scale, start_ts, cut
        self.words = words
        self.generated = generated
        self.key = f"{seed:016d}"[-16:]
        self.ids: dict[str, list[pa.Array]] = {}  # Ids written so far, per object: what lookups point at
        self._pool: dict[str, pa.Table] = {}  # the same, ordered by creation
        self.written: dict[str, list[str]] = {}  # object → columns written, in order
        self.children = self._plan()
        self.stages: list[Stage] = []  # the org's, as its OpportunityStage records or its stage names say
        self.stage_map = self._stages() if "Opportunity" in describes.objects else None
        self.currencies = self._currencies()
        self.queues: dict[str, pa.Array] = {}  # object → the Ids of the queues that may own its records
        self._deals: list[pa.Table] = []  # each deal's Id and currency: its line items and history follow it

    # ---- planning ---------------------------------------------------------------------------------------
    def _plan(self) -> list[Child]:
        extra = [
            n
            for n in sorted(self.d.objects)
            if n not in self.generated and n not in WRITTEN_HERE and self.d.objects[n].get("queryable", True)
        ]
        plan = []
        for name in extra:
            prefix = self.d.prefix(name)
            if not prefix or len(prefix) != 3:
                raise TwinError(f"{name}: its describe has no keyPrefix; add it (or describe global) to the folder")
            refs = [f for f in self.d.objects[name]["fields"] if f.get("type") == "reference" and queryable(f)]
            known = [f for f in refs if any(t in self.generated or t in extra for t in f.get("referenceTo") or [])]
            parents = [f for f in known if not f.get("nillable", True) and f.get("createable", True)]
            parents += [f for f in known if f not in parents and f.get("createable", True)]
            parents = [f for f in parents if self._parent_of(f, name) not in (None, "User", name)]
            rate = 0.5 + 1.5 * _scalar(self.seed, name, "rate")
            if parents:
                f = parents[0]
                plan.append(Child(name, f["name"], self._parent_of(f, name), rate))
            else:
                plan.append(Child(name, None, None, STANDALONE_AT_SCALE_1))
        reached = set(self.generated) | {c.name for c in plan if c.parent is None}
        while grown := {c.name for c in plan if c.parent in reached} - reached:
            reached |= grown
        # parents in a cycle (A under B under A): each stands alone, then points at the other's records
        return [c if c.name in reached else Child(c.name, None, None, STANDALONE_AT_SCALE_1) for c in plan]

    def _parent_of(self, f: Mapping[str, Any], name: str) -> str | None:
        targets = [t for t in f.get("referenceTo") or [] if t != name]
        for t in targets:
            if t in self.generated:
                return str(t)
        return next((str(t) for t in targets if t in self.d.objects), None)

    def _stages(self) -> dict[str, Stage]:
        """Each built-in stage → the org's stage of the same meaning."""
        field = next((f for f in self.d.objects["Opportunity"]["fields"] if f["name"] == "StageName"), None)
        if field is None:
            return {}
        stages = self.d.stages
        if stages is None:
            values = [str(v["value"]) for v in field.get("picklistValues") or [] if v.get("active", True)]
            won = [v for v in values if "won" in v.lower()]
            lost = [v for v in values if "lost" in v.lower()]
            if not won or not lost:
                raise TwinError(
                    "Opportunity.StageName: cannot tell which stage is won and which is lost from the names "
                    f"({', '.join(values) or 'none'}); add the org's OpportunityStage records as "
                    "OpportunityStage.json to the describe folder"
                )
            stages = [Stage(v, v in won or v in lost, v in won) for v in values]
        self.stages = stages
        open_ = [s for s in stages if not s.closed]
        won_s = next((s for s in stages if s.won), None)
        lost_s = next((s for s in stages if s.closed and not s.won), None)
        if won_s is None or lost_s is None or not open_:
            raise TwinError("OpportunityStage: the org needs an open, a won and a lost stage for the twin's deals")
        out = {}
        for i, (name, *_rest) in enumerate(OPEN_STAGES):
            out[name] = open_[i * len(open_) // len(OPEN_STAGES)]
        for stage in STAGES:
            if stage[3]:  # closed: won or lost
                out[stage[0]] = won_s if stage[4] else lost_s
        return out

    def _currencies(self) -> Currencies | None:
        """The org's currencies, when it has more than one (a `CurrencyIsoCode` picklist lists them)."""
        fields = [
            f
            for _, d in sorted(self.d.objects.items())
            for f in d["fields"]
            if f["name"] == "CurrencyIsoCode" and f.get("picklistValues")
        ]
        codes = list(dict.fromkeys(v for f in fields for v in active_values(f)))
        records = {str(r["IsoCode"]): r for r in self.d.currencies or []}
        if len(codes) < 2:
            return None
        default = [str(v["value"]) for f in fields for v in f["picklistValues"] if v.get("defaultValue")]
        flagged = [code for code, r in records.items() if r.get("IsCorporate")]
        corporate = next(iter(flagged or [c for c in default if c in codes] or codes))
        rates, decimals = {}, {}
        for code in codes:
            r = records.get(code, {})
            drawn = 0.5 + 1.5 * _scalar(self.seed, "rate", code)
            rates[code] = 1.0 if code == corporate else float(r.get("ConversionRate") or round(drawn, 4))
            decimals[code] = int(r.get("DecimalPlaces", 2))
        ordered = (corporate, *(c for c in codes if c != corporate))
        return Currencies(corporate, ordered, rates, decimals)

    # ---- per table -----------------------------------------------------------------------------------
    def shape(self, name: str, table: pa.Table) -> Iterator[tuple[str, pa.Table]]:
        """The table as the org would export it, then the records of objects only the org has under it."""
        if name in self.d.objects:
            table = self._reshape(name, table)
        elif "StageName" in table.column_names and self.stage_map:  # OpportunityHistory, undescribed
            table = table.set_column(
                table.column_names.index("StageName"), "StageName", self._map_stage(table["StageName"])
            )
        if self.currencies is not None:
            table = self._in_currency(name, table)
        if name == "User" and "IsActive" in table.column_names:
            table = self._some_left(table)
        self._record(name, table)
        yield name, table
        for child in self.children:
            if child.parent == name:
                made = self._children(child, table)
                if made.num_rows:
                    yield from self.shape(child.name, made)

    def _some_left(self, table: pa.Table) -> pa.Table:
        """Users who have left: inactive, still the owners of what they owned, as in any org that has run a
        while."""
        left = pa.array(_uniform(self._hash(table["Id"]), _salt(self.seed, "left")) < INACTIVE_USERS)
        active = pc.and_(table["IsActive"].combine_chunks(), pc.invert(left))
        return table.set_column(table.column_names.index("IsActive"), "IsActive", active)

    def standalone(self, day_column: bool) -> Iterator[tuple[str, pa.Table]]:
        """The records of objects only the org has that hang under no generated record (and a multi-currency
        org's CurrencyType)."""
        made = [("RecordType", self._record_types()), ("Group", self._queues())]
        if self.currencies is not None:
            made.insert(0, ("CurrencyType", self._currency_types()))
        for name, columns in made:
            table = self._metadata(columns, day_column)
            if table.num_rows:
                self._record(name, table)
                yield name, table
        for child in self.children:
            if child.parent is None:
                n = max(3, round(child.rate * self.scale))
                ids = ids_for(self.d.prefix(child.name) or "a00", np.arange(1, n + 1, dtype=np.int64))
                h = self._hash(ids)
                # reference data: in place before the history begins, as the org's users are
                created = self.start_ts - DAY - (_uniform(h, _salt(child.name, "created")) * 90 * DAY).astype(np.int64)
                base = self._base(ids, created, day_column)
                yield from self.shape(child.name, base.filter(pa.array(created < self.cut)))

    def _children(self, child: Child, parents: pa.Table) -> pa.Table:
        each = _created_ids(parents, self.start_ts)  # a day's table repeats a record changed twice
        pid, created = each["id"].combine_chunks(), each["created"].to_numpy()
        u = _uniform(self._hash(pid), _salt(child.name, "count"))
        k = np.searchsorted(_poisson_cdf(child.rate), u, side="right").clip(0, CHILDREN_PER_PARENT)
        parent_row = np.repeat(np.arange(len(pid)), k)
        j = np.arange(len(parent_row)) - np.repeat(np.cumsum(k) - k, k)
        counters = _counter(pid)[parent_row] * (CHILDREN_PER_PARENT + 1) + j + 1
        ids = ids_for(self.d.prefix(child.name) or "a00", counters)
        offset = _uniform(self._hash(ids), _salt(child.name, "created")) * 60 * DAY
        born = created[parent_row] + offset.astype(np.int64)
        base = self._base(ids, born, DAY_COLUMN in parents.column_names)
        base = base.append_column(f"__parent:{child.parent_field}", pid.take(pa.array(parent_row, type=pa.int64())))
        return base.filter(pa.array(born < self.cut))  # created after the export's as-of date: not yet

    @staticmethod
    def _base(ids: pa.Array, created: np.ndarray, day_column: bool) -> pa.Table:
        stamp = pa.array(created.astype("datetime64[s]")).cast(TS)
        cols: dict[str, pa.Array] = {
            "Id": ids,
            "CreatedDate": stamp,
            "LastModifiedDate": stamp,
            "SystemModstamp": stamp,
        }
        if day_column:
            cols[DAY_COLUMN] = pa.array(created // DAY, type=pa.int64())
        return pa.table(cols)

    def _metadata(self, columns: dict[str, pa.Array], day_column: bool) -> pa.Table:
        """Records of the org's set-up (record types, queues, currencies): in place before the history."""
        n = len(columns["Id"])
        base = self._base(columns["Id"], np.full(n, self.start_ts - 100 * DAY, dtype=np.int64), day_column)
        return pa.table(columns | {k: base[k] for k in base.column_names if k != "Id"})

    def _record_types(self) -> dict[str, pa.Array]:
        """The active record types each describe lists (`recordTypeInfos`, the master one aside), as RecordType
        records with the org's own Ids."""
        rows = [
            (str(info["recordTypeId"]), str(info.get("name") or ""), str(info.get("developerName") or ""), name)
            for name, d in sorted(self.d.objects.items())
            for info in d.get("recordTypeInfos") or []
            if info.get("active", True) and not info.get("master") and info.get("recordTypeId")
        ]
        names = ("Id", "Name", "DeveloperName", "SobjectType")
        columns = {k: pa.array([r[i] for r in rows], pa.string()) for i, k in enumerate(names)}
        return columns | {"IsActive": pa.array([True] * len(rows))}

    def _queues(self) -> dict[str, pa.Array]:
        """Two queues (Group records of Type `Queue`) for each described object whose owner may be a group."""
        owned = [name for name, d in sorted(self.d.objects.items()) if "Group" in self._owner_types(d)]
        names = [
            f"{self.d.objects[o].get('label') or o} Queue {i + 1}" for o in owned for i in range(QUEUES_PER_OBJECT)
        ]
        ids = ids_for("00G", np.arange(1, len(names) + 1, dtype=np.int64))
        self.queues = {o: ids.slice(i * QUEUES_PER_OBJECT, QUEUES_PER_OBJECT) for i, o in enumerate(owned)}
        return {
            "Id": ids,
            "Name": pa.array(names, pa.string()),
            "DeveloperName": pa.array([n.replace(" ", "_") for n in names], pa.string()),
            "Type": pa.array(["Queue"] * len(names), pa.string()),
        }

    @staticmethod
    def _owner_types(d: Mapping[str, Any]) -> list[str]:
        return next((list(f.get("referenceTo") or []) for f in d["fields"] if f["name"] == "OwnerId"), [])

    def _currency_types(self) -> dict[str, pa.Array]:
        c = self.currencies
        assert c is not None
        return {
            "Id": ids_for("02B", np.arange(1, len(c.codes) + 1, dtype=np.int64)),
            "IsoCode": pa.array(c.codes),
            "ConversionRate": pa.array([c.rates[k] for k in c.codes], pa.float64()),
            "DecimalPlaces": pa.array([c.decimals[k] for k in c.codes], pa.int64()),
            "IsActive": pa.array([True] * len(c.codes)),
            "IsCorporate": pa.array([k == c.corporate for k in c.codes]),
        }

    def _in_currency(self, name: str, table: pa.Table) -> pa.Table:
        """A multi-currency org's record in its account's currency (a deal's line items and history in the
        deal's): CurrencyIsoCode set, and each amount converted at the currency's rate."""
        c = self.currencies
        assert c is not None
        if name in self.d.objects:
            fields = self.d.objects[name]["fields"]
            if "CurrencyIsoCode" not in {f["name"] for f in fields}:
                return table
            scales = {
                f["name"]: min(int(f.get("scale") or 0), 2)
                for f in fields
                if f["type"] == "currency" and f["name"] in table.column_names
            }
        else:
            scales = {f.name: 2 for f in table.schema if pa.types.is_decimal(f.type)}
            if not scales:
                return table
        codes = self._currency_of(table)
        at_code = pc.index_in(codes, pa.array(c.codes)).to_numpy()
        rates = np.array([c.rates[k] for k in c.codes])[at_code]
        decimals = np.array([min(c.decimals[k], 2) for k in c.codes])[at_code]
        for column, scale in scales.items():
            values = pc.cast(table[column], pa.float64()).combine_chunks()
            places = np.minimum(decimals, scale)  # the currency's decimal places, within the field's scale
            # exact cents (money() makes decimal(18, 2) of them), then the field's own scale
            units = np.rint(values.fill_null(0).to_numpy() * rates * 10.0**places) * 10.0 ** (2 - places)
            converted = masked(money(units.astype(np.int64)), ~values.is_null().to_numpy(zero_copy_only=False))
            converted = converted.cast(pa.decimal128(18, scale))
            table = table.set_column(table.column_names.index(column), column, converted)
        if "CurrencyIsoCode" in table.column_names:
            table = table.set_column(table.column_names.index("CurrencyIsoCode"), "CurrencyIsoCode", codes)
        else:
            at = table.column_names.index(DAY_COLUMN) if DAY_COLUMN in table.column_names else table.num_columns
            table = table.add_column(at, "CurrencyIsoCode", codes)
        if name == "Opportunity":
            self._deals.append(pa.table({"id": table["Id"].combine_chunks(), "code": codes}))
        return table

    def _currency_of(self, table: pa.Table) -> pa.Array:
        """Each record's currency: its deal's, else its account's (drawn by the account's Id), else its own."""
        c = self.currencies
        assert c is not None
        ids = table["Id"].combine_chunks()
        key = pc.coalesce(table["AccountId"].combine_chunks(), ids) if "AccountId" in table.column_names else ids
        u = _uniform(self._hash(key), _salt(self.seed, "currency"))
        others = len(c.codes) - 1
        pick = np.where(u < CORPORATE_SHARE, 0, 1 + np.floor((u - CORPORATE_SHARE) / (1 - CORPORATE_SHARE) * others))
        drawn = pa.array(c.codes).take(pa.array(pick.astype(np.int64).clip(0, others)))
        if "OpportunityId" not in table.column_names or not self._deals:
            return drawn
        if len(self._deals) > 1:  # one table of every deal so far, not a concatenation per child table
            self._deals[:] = [pa.concat_tables(self._deals).combine_chunks()]
        deals = self._deals[0]
        deal = pc.index_in(table["OpportunityId"].combine_chunks(), deals["id"])
        return pc.coalesce(deals["code"].combine_chunks().take(deal), drawn)

    def _record(self, name: str, table: pa.Table) -> None:
        self.ids.setdefault(name, []).append(_created_ids(table))
        self._pool.pop(name, None)
        columns = [c for c in table.column_names if c != DAY_COLUMN]
        seen = self.written.setdefault(name, [])
        seen += [c for c in columns if c not in seen]

    def pool(self, name: str, also: pa.Table | None = None) -> tuple[pa.Array, np.ndarray]:
        """The Ids of `name` written so far (and those of `also`), ordered by creation, and their creation times."""
        if name not in self._pool or also is not None:
            parts = self.ids.get(name, []) + ([_created_ids(also)] if also is not None else [])
            if not parts:
                return pa.array([], pa.string()), np.zeros(0, dtype=np.int64)
            both = pa.concat_tables(parts)
            # by creation; a tie keeps the order written, which every export of the same org shares
            both = both.take(pa.array(np.argsort(both["created"].to_numpy(), kind="stable")))
            if also is None:
                self._pool[name] = both
            pooled = both
        else:
            pooled = self._pool[name]
        return pooled["id"].combine_chunks(), pooled["created"].to_numpy()

    def _hash(self, ids: pa.Array | pa.ChunkedArray) -> np.ndarray:
        flat = ids.combine_chunks() if isinstance(ids, pa.ChunkedArray) else ids
        values = np.asarray(flat.to_numpy(zero_copy_only=False), dtype=object)
        return np.asarray(pd.util.hash_array(values, hash_key=self.key), dtype=np.uint64)

    def _reshape(self, name: str, table: pa.Table) -> pa.Table:
        describe = self.d.objects[name]
        h = self._hash(table["Id"])
        created = pc.cast(table["CreatedDate"], pa.int64()).to_numpy() if "CreatedDate" in table.column_names else None
        if created is None:
            created = np.full(table.num_rows, self.start_ts, dtype=np.int64)
        out: dict[str, pa.Array | pa.ChunkedArray] = {}
        for f in describe["fields"]:
            if f["type"] in SKIPPED or f.get("deprecatedAndHidden"):
                continue
            fname = f["name"]
            parent = f"__parent:{fname}"
            if parent in table.column_names:
                out[fname] = table[parent]
            elif fname in table.column_names and _fits(table.schema.field(fname).type, f["type"]):
                out[fname] = self._conform(name, f, table[fname])
            else:
                out[fname] = self._draw(name, f, h, created, table)
        for c in catalogue.BY_REF.get(catalogue.ObjectRef("salesforce", name), _NO_TABLE).columns:
            if c.type == "key" and c.source in table.column_names and c.source not in out:
                out[c.source] = table[c.source]  # the CRM ↔ ERP link
        if name == "Opportunity" and self.stage_map and "StageName" in out:
            self._stage_meaning(out)
        if "RecordTypeId" in out:
            out["RecordTypeId"] = self._record_type(describe, h)
        if name in self.queues and "OwnerId" in out:  # some records wait in a queue
            which = (_mix(h, _salt(self.seed, "queue")) % np.uint64(QUEUES_PER_OBJECT)).astype(np.int64)
            queue = self.queues[name].take(pa.array(which))
            queued = pa.array(_uniform(h, _salt(self.seed, name, "queued")) < QUEUED_SHARE)
            out["OwnerId"] = pc.if_else(queued, queue, out["OwnerId"])
        if DAY_COLUMN in table.column_names:
            out[DAY_COLUMN] = table[DAY_COLUMN]
        return pa.table(out)

    def _record_type(self, describe: Mapping[str, Any], h: np.ndarray) -> pa.Array:
        """Each record's record type: one of the object's active ones (the default mapping for most), or none
        when it has only the master one."""
        infos = [i for i in describe.get("recordTypeInfos") or [] if i.get("active", True) and not i.get("master")]
        if not infos:
            return pa.nulls(len(h), pa.string())
        infos.sort(key=lambda i: not i.get("defaultRecordTypeMapping"))  # the default first
        u = _uniform(h, _salt(self.seed, describe["name"], "record type"))
        others = len(infos) - 1
        pick = np.where(u < 0.7, 0, 1 + np.floor((u - 0.7) / 0.3 * others)).astype(np.int64).clip(0, others)
        return pa.array([str(i["recordTypeId"]) for i in infos]).take(pa.array(pick))

    def _stage_meaning(self, out: dict[str, pa.Array | pa.ChunkedArray]) -> None:
        """A deal's forecast category and probability as the org's OpportunityStage gives them for its stage."""
        stages = {s.name: s for s in (self.stage_map or {}).values()}
        known = pa.array(list(stages))
        idx = pc.index_in(out["StageName"], known)
        for column, attr in (("ForecastCategoryName", "forecast"), ("Probability", "probability")):
            given = [getattr(s, attr) for s in stages.values()]
            if column in out and all(g is not None for g in given):
                values = pa.array(given).take(idx)
                current = out[column]
                values = values.cast(current.type) if column == "Probability" else values
                out[column] = pc.if_else(pc.is_null(idx), current, values)

    # ---- values ------------------------------------------------------------------------------------
    def _conform(self, obj: str, f: Mapping[str, Any], column: pa.ChunkedArray) -> pa.ChunkedArray | pa.Array:
        kind = f["type"]
        if f["name"] == "StageName" and self.stage_map:
            return self._map_stage(column)
        if kind in ("picklist", "multipicklist", "combobox") and f.get("picklistValues"):
            column = _map_values(column, [str(v["value"]) for v in f["picklistValues"] if v.get("active", True)])
        if kind in TEXT and (f.get("length") or 0) > 0:
            column = pc.utf8_slice_codeunits(column, 0, int(f["length"]))
        if kind in NUMBER:
            column = _to_scale(column, 0 if kind == "int" else int(f.get("scale") or 0))
        return column

    def _map_stage(self, column: pa.ChunkedArray) -> pa.Array:
        assert self.stage_map is not None
        mapping = {k: v.name for k, v in self.stage_map.items()}
        values = column.combine_chunks()
        known = pa.array(list(mapping))
        idx = pc.index_in(values, known)
        mapped = pa.array(list(mapping.values())).take(idx)
        return pc.if_else(pc.is_null(idx), values, mapped)

    def _draw(self, obj: str, f: Mapping[str, Any], h: np.ndarray, created: np.ndarray, table: pa.Table) -> pa.Array:
        kind, name = f["type"], f["name"]
        n = len(h)
        u = _uniform(h, _salt(self.seed, obj, name))
        v = _uniform(h, _salt(self.seed, obj, name, "value"))
        required = not f.get("nillable", True) or kind == "boolean"
        if required:
            keep = np.ones(n, dtype=bool)
        elif not f.get("createable", True) and kind == "reference":
            keep = np.zeros(n, dtype=bool)  # set by the org (MasterRecordId, LastAmountChangedHistoryId)
        else:
            rate = 0.35 + 0.6 * _scalar(self.seed, obj, name, "rate")
            keep = u < rate
        values = self._typed(obj, f, kind, v, h, created, table, required)
        if values is None:
            if required:
                raise TwinError(
                    f"{obj}.{name}: required, but it refers to {', '.join(f.get('referenceTo') or ['nothing'])}, "
                    "which the twin has no records of; add its describe to the folder"
                )
            return pa.nulls(n, _ARROW.get(kind, pa.string()))
        if keep.all():
            return values
        return pc.if_else(pa.array(keep), values, pa.scalar(None, values.type))

    def _typed(
        self,
        obj: str,
        f: Mapping[str, Any],
        kind: str,
        v: np.ndarray,
        h: np.ndarray,
        created: np.ndarray,
        table: pa.Table,
        required: bool,
    ) -> pa.Array | None:
        length = int(f.get("length") or 0)
        if f["name"] == "IsDeleted":
            return pa.array(np.zeros(len(v), dtype=bool))  # a deleted record is for queryAll: none are made here
        if kind == "boolean":
            p = 0.1 + 0.5 * _scalar(self.seed, obj, f["name"], "p")
            return pa.array(v < p)
        if kind == "int":
            top = min(10 ** int(f.get("digits") or 9) - 1, 1000)
            return pa.array((v * (top + 1)).astype(np.int64))
        if kind in ("double", "currency", "percent"):
            scale = int(f.get("scale") or 0)
            digits = max(int(f.get("precision") or 18) - scale, 1)
            top = 100.0 if kind == "percent" else min(10.0**digits - 1, 1_000_000.0 if kind == "currency" else 10_000.0)
            x = v**2 * top if kind == "currency" else v * top
            if scale == 0:
                return pa.array(np.floor(x).astype(np.int64))
            return pa.array(np.round(x, min(scale, 6)))
        if kind in ("date", "datetime", "time"):
            horizon = HORIZON if f.get("createable", True) else SYSTEM_HORIZON
            at = created + (v * horizon).astype(np.int64)
            if kind == "date":
                return pa.array((at // DAY).astype(np.int32), type=pa.date32())
            if kind == "datetime":
                return pa.array(at.astype("datetime64[s]")).cast(TS)
            secs = (v * DAY).astype(np.int64) // 900 * 900  # quarter hours
            return join(number_text(secs // 3600, 2), ":", number_text(secs // 60 % 60, 2), ":00.000Z")
        if kind == "reference":
            found = self._reference(obj, f, v, created, table)
            return None if found is None or (required and found.null_count) else found
        if kind in ("picklist", "multipicklist", "combobox"):
            values = [str(x["value"]) for x in f.get("picklistValues") or [] if x.get("active", True)]
            if not values:
                return self._words(obj, f, v, h, length) if kind == "combobox" else None
            pool = pa.array(values)
            first = np.floor(v**1.5 * len(values)).astype(np.int64)  # the first values are the common ones
            picked = pool.take(pa.array(first))
            if kind == "multipicklist" and len(values) > 1:
                w = _uniform(h, _salt(self.seed, obj, f["name"], "second"))
                second = pool.take(
                    pa.array((first + 1 + np.floor(w * (len(values) - 1)).astype(np.int64)) % len(values))
                )
                both = pc.binary_join_element_wise(picked, second, ";")
                picked = pc.if_else(pa.array(w < 0.4), both, picked)
            return picked
        if f.get("unique") or f.get("externalId") or f.get("autoNumber"):
            return _unique_text(f, table["Id"].combine_chunks(), length)
        if f.get("nameField"):
            label = str(self.d.objects[obj].get("label") or obj)
            words = self._words(obj, f, v, h, 0)
            return pc.utf8_slice_codeunits(pc.binary_join_element_wise(label, words, " "), 0, length or 80)
        return self._words(obj, f, v, h, length)

    def _words(self, obj: str, f: Mapping[str, Any], v: np.ndarray, h: np.ndarray, length: int) -> pa.Array:
        kind = f["type"]
        k = len(self.words)
        a = self.words.take(pa.array(np.floor(v * k).astype(np.int64)))
        b = self.words.take(pa.array(np.floor(_uniform(h, _salt(self.seed, obj, f["name"], "b")) * k).astype(np.int64)))
        if kind == "email":
            text = pc.binary_join_element_wise(a, ".", b, "@example.com", "")
        elif kind == "url":
            text = pc.binary_join_element_wise("https://www.", a, "-", b, ".example.com", "")
        elif kind == "phone":
            digits = (_mix(h, _salt(self.seed, obj, f["name"], "phone")) % np.uint64(10**7)).astype(np.int64) + 10**7
            text = pc.binary_join_element_wise(
                "+1 555 ", pc.utf8_slice_codeunits(pa.array(digits).cast(pa.string()), 1), ""
            )
        elif kind == "textarea":
            c = self.words.take(pa.array(np.floor(_uniform(h, _salt(obj, f["name"], "c")) * k).astype(np.int64)))
            text = pc.utf8_capitalize(pc.binary_join_element_wise(a, b, c, " "))
            text = pc.binary_join_element_wise(text, ".", "")
        else:
            text = pc.utf8_capitalize(pc.binary_join_element_wise(a, b, " "))
        return pc.utf8_slice_codeunits(text, 0, length) if length else text

    def _reference(
        self, obj: str, f: Mapping[str, Any], v: np.ndarray, created: np.ndarray, table: pa.Table
    ) -> pa.Array | None:
        """Lookups to records created before the record that points at them, picked by its Id: the same
        record picks the same parent in every export, whatever was created since."""
        targets = [t for t in f.get("referenceTo") or [] if t in self.generated or t in self.d.objects]
        if not targets:
            return None
        which = np.floor(v * len(targets)).astype(np.int64)
        frac = v * len(targets) - which
        out = pa.nulls(len(v), pa.string())
        for i, t in enumerate(targets):
            ids, born = self.pool(t, table if t == obj else None)
            before = np.searchsorted(born, created, side="left")
            if not f.get("nillable", True):
                before = np.maximum(before, min(1, len(ids)))  # required: the oldest record, when none is older
            if not len(ids):
                continue
            picked = ids.take(pa.array(np.floor(frac * before).astype(np.int64).clip(0, len(ids) - 1)))
            out = pc.if_else(pa.array((which == i) & (before > 0)), picked, out)
        return out

    # ---- the describe written beside the export ----------------------------------------------------------
    def describes(self) -> list[dict[str, Any]]:
        """The describe of every Salesforce object the twin wrote, as the org (and the twin's link fields) say."""
        out = []
        for name in sorted(self.written):
            columns = self.written[name]
            if name in WRITTEN_HERE:
                continue  # their records are the metadata: OUT/describe/CurrencyType.json
            if name in self.d.objects:
                d = dict(self.d.objects[name])
                listed = {f["name"] for f in d["fields"]}
                extra = [c for c in columns if c not in listed]
                d["fields"] = list(d["fields"]) + [_link_field(name, c) for c in extra]
            else:
                table = catalogue.BY_REF.get(catalogue.ObjectRef("salesforce", name))
                d = {"name": name, "label": name, "custom": name.endswith("__c"), "queryable": True}
                d["fields"] = describe_fields(table, name, columns)
            out.append(d)
        return out


_NO_TABLE = catalogue.Table(catalogue.ObjectRef("salesforce", "_"), ("Id",), "SystemModstamp", ())
_ARROW = {
    "boolean": pa.bool_(),
    "int": pa.int64(),
    "double": pa.float64(),
    "currency": pa.float64(),
    "percent": pa.float64(),
    "date": pa.date32(),
    "datetime": TS,
}


def _fits(arrow: pa.DataType, kind: str) -> bool:
    """Whether a generated column of this Arrow type can stand for a field of this describe type."""
    if kind in TEXT or kind in ("id", "reference"):
        return bool(pa.types.is_string(arrow))
    if kind == "boolean":
        return bool(pa.types.is_boolean(arrow))
    if kind in NUMBER:
        return bool(pa.types.is_integer(arrow) or pa.types.is_floating(arrow) or pa.types.is_decimal(arrow))
    if kind == "date":
        return bool(pa.types.is_date(arrow))
    if kind == "datetime":
        return bool(pa.types.is_timestamp(arrow))
    return False


def _created_ids(table: pa.Table, unknown: int = 0) -> pa.Table:
    """Each record of a table once, in order of first appearance, with its creation time (epoch seconds;
    `unknown` where the table has no CreatedDate)."""
    ids = table["Id"].combine_chunks()
    unique = pc.unique(ids)
    if "CreatedDate" in table.column_names:
        created = pc.cast(table["CreatedDate"].combine_chunks().take(pc.index_in(unique, ids)), pa.int64())
    else:
        created = pa.array(np.full(len(unique), unknown, dtype=np.int64))
    return pa.table({"id": unique, "created": created})


def _unique_text(f: Mapping[str, Any], ids: pa.Array, length: int) -> pa.Array:
    """A unique value per record, from its Id's counter: `VK-3ywsC` (`A-` for an auto-number), the counter
    alone where the label does not fit the field's length."""
    label = "A" if f.get("autoNumber") else "".join(c for c in f["name"].removesuffix("__c") if c.isupper())[:3]
    counter = pc.utf8_ltrim(pc.utf8_slice_codeunits(ids, 6, 15), "0")  # base 62, unique per object
    labelled = pc.binary_join_element_wise(f"{label or 'N'}-", counter, "")
    if not length:
        return labelled
    return pc.if_else(pc.less_equal(pc.utf8_length(labelled), length), labelled, counter)


def _to_scale(column: pa.ChunkedArray, scale: int) -> pa.ChunkedArray:
    """Numbers rounded to the field's scale, written with no more decimals than it has."""
    t = column.type
    if pa.types.is_decimal(t) and t.scale > scale:
        return pc.round(column, scale).cast(pa.decimal128(t.precision, scale))
    if pa.types.is_floating(t) and scale <= 8:  # beyond, rounding a double only adds binary noise (-1.90037899…)
        rounded = pc.round(column, scale)
        return rounded.cast(pa.int64()) if scale == 0 else rounded
    return column


def _map_values(column: pa.ChunkedArray | pa.Array, allowed: list[str]) -> pa.Array:
    """Each value the org's picklist lacks → one it has (same value in another case, else one sharing a word,
    else one picked by the value); values it has, and nulls, unchanged. Multi-select values one by one."""
    values = column.combine_chunks() if isinstance(column, pa.ChunkedArray) else column
    if not allowed:
        return values
    have = set(allowed)
    lower = {a.lower(): a for a in allowed}
    mapping: dict[str, str] = {}
    for value in pc.unique(values).to_pylist():
        if value is None or value in have:
            continue
        parts = [_one(p, have, lower, allowed) for p in value.split(";")]
        mapping[value] = ";".join(dict.fromkeys(parts))
    if not mapping:
        return values
    idx = pc.index_in(values, pa.array(list(mapping)))
    return pc.if_else(pc.is_null(idx), values, pa.array(list(mapping.values())).take(idx))


def _one(value: str, have: set[str], lower: dict[str, str], allowed: list[str]) -> str:
    if value in have:
        return value
    if value.lower() in lower:
        return lower[value.lower()]
    words = set(value.lower().replace("-", " ").split())
    for a in allowed:
        if words & set(a.lower().replace("-", " ").split()):
            return a
    return allowed[zlib.crc32(value.encode()) % len(allowed)]


def _link_field(obj: str, name: str) -> dict[str, Any]:
    """The describe entry of a business key the twin keeps beside the org's fields (the CRM ↔ ERP link)."""
    entry = describe_fields(catalogue.BY_REF.get(catalogue.ObjectRef("salesforce", obj)), obj, [name])[0]
    return entry | {"externalId": True, "unique": True, "createable": True, "updateable": True, "length": 255}


def _poisson_cdf(rate: float) -> np.ndarray:
    k = np.arange(CHILDREN_PER_PARENT + 1)
    pmf = np.exp(-rate) * np.array([rate**i / math.factorial(int(i)) for i in k])
    return np.cumsum(pmf)
