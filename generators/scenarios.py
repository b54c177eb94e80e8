"""Planted scenarios: effects a generated org is made to show, with the size they were planted at.

A scenario is a named preset or a YAML file of effects (`fauxforce generate --scenario late-supplier
--scenario my-scenarios.yaml`):

    - effect: supplier_late        # a supplier's deliveries arrive late from a day on
      supplier: SUP-00003          # default: the most reliable of the suppliers of many stocked products
      late_share: 0.4              # the share of its deliveries that are late from then on
      from: 2026-03-01             # default: 60% into the history
    - effect: product_recall       # a product is recalled: its returns multiply from a day on
      sku: SKU-000123              # default: the best-selling stocked product
      factor: 3                    # returns of its order lines, times the usual rate
      from: 2026-04-01
    - effect: slow_payers          # a country's customers take longer to pay the invoices of a day on
      country: GB                  # default: the second-largest market
      factor: 2                    # days to pay, times what they were
      from: 2025-11-01             # default: 30% into the history (slow payments need time to show)
    - effect: win_rate_drop        # a region's deals are won less often for a while
      region: EMEA                 # NA, EMEA or APAC; default: the second-largest region
      points: 0.1                  # the win probability of each of its customers' deals, less this
      from: 2026-01-01             # deals created from this day (default: 60% into the history) ...
      until: 2026-04-01            # ... to this one (default: the end of the history)
    - effect: rep_leaves           # a rep leaves; her accounts and open work go to a successor
      rep: 0055g000002ZixyAAC       # a User Id; default: the longest-serving rep of the largest market
      successor: 0055g000002Zj0AAAS # default: the longest-serving other rep of her country
      from: 2026-02-01             # default: 60% into the history
    - effect: customer_churn       # a share of the customers stop buying from a day on
      share: 0.2                   # of the customers of the segment who had an account by then
      segment: Enterprise          # Enterprise, Mid-Market or SMB; default: every segment
      from: 2025-11-01             # default: 30% into the history (there must be time to see them not buy)
    - effect: customer_churn       # or one customer, named by Account Id or ERP customer number
      customer: C0000123
      from: 2026-05-01
    - effect: price_increase       # list prices rise on a day
      family: Hardware             # a product family; default: every product
      percent: 5                   # the rise, in percent (prices stay whole dollars)
      from: 2026-04-01             # default: 60% into the history

Each effect changes only what it plants, drawn from random streams of its own: the rest of the org is the
org without it. The manifest lists each effect as planted (defaults resolved: which supplier, which product,
which day) with its size, so a test or a dashboard check knows what it should find; `tests/generators/
test_scenarios.py` finds each preset in gold at the planted size.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np
import yaml

from fauxforce.generators import vocab

DEFAULT_AT = 0.6  # an effect without `from` starts this far into the history (slow payers, win rate, churn: EARLY_AT)
EARLY_AT = 0.3  # slow payments and lost deals need time to show: deals take months to close, invoices to fall due


class ScenarioError(ValueError):
    """A scenario that cannot be used: one line naming the preset or file, the entry, and what is wrong."""


@dataclass(frozen=True)
class SupplierLate:
    """From `start` on, `late_share` of the supplier's deliveries arrive after their expected date."""

    late_share: float
    supplier: str | None = None  # a supplier_id; None: the most reliable of the suppliers of many stocked products
    start: dt.date | None = None
    effect: str = "supplier_late"


@dataclass(frozen=True)
class ProductRecall:
    """From `start` on, the product's order lines come back `factor` times as often, as defective."""

    factor: float
    sku: str | None = None  # None: the best-selling stocked product
    start: dt.date | None = None
    effect: str = "product_recall"


@dataclass(frozen=True)
class SlowPayers:
    """From `start` on, customers in `country` take `factor` times as long to pay their invoices."""

    factor: float
    country: str | None = None  # an ISO code; None: the second-largest market
    start: dt.date | None = None
    effect: str = "slow_payers"


@dataclass(frozen=True)
class WinRateDrop:
    """Deals of the region's customers created from `start` (to `end`) are won with `points` less probability."""

    points: float
    region: str | None = None  # NA, EMEA or APAC (generators/shape.py); None: the second-largest region
    start: dt.date | None = None
    end: dt.date | None = None  # None: to the end of the history
    effect: str = "win_rate_drop"


@dataclass(frozen=True)
class PriceIncrease:
    """From `start` on, the list prices of the family's products (or of every product) are `percent` higher."""

    percent: float
    family: str | None = None  # a product family (vocab.PRODUCT_FAMILIES); None: every product
    start: dt.date | None = None
    effect: str = "price_increase"


@dataclass(frozen=True)
class RepLeaves:
    """On `start` the rep leaves (her user is deactivated); `successor` takes over what she owns then and
    every deal, account and case that would have been hers after it."""

    rep: str | None = None  # a User Id; None: the longest-serving rep of the largest market
    successor: str | None = None  # None: the longest-serving other rep of her country in post that day
    start: dt.date | None = None
    effect: str = "rep_leaves"


@dataclass(frozen=True)
class CustomerChurn:
    """From `start` on, `share` of the segment's customers (those with an account by then) win no deal: every
    deal of theirs that would have closed won from that day is lost."""

    share: float
    segment: str | None = None  # vocab.CUSTOMER_SEGMENTS; None: every segment
    start: dt.date | None = None
    customer: str | None = None  # one customer (Account Id or ERP customer number) instead of a share
    effect: str = "customer_churn"


Effect = SupplierLate | ProductRecall | SlowPayers | WinRateDrop | PriceIncrease | RepLeaves | CustomerChurn
PRESETS: dict[str, tuple[Effect, ...]] = {
    "late-supplier": (SupplierLate(late_share=0.4),),
    "recall": (ProductRecall(factor=3.0),),
    "slow-payers": (SlowPayers(factor=2.0),),
    "win-rate-drop": (WinRateDrop(points=0.1),),
    "price-increase": (PriceIncrease(percent=5.0),),
    "rep-leaves": (RepLeaves(),),
    "churn": (CustomerChurn(share=0.2),),
}


KNOWN: dict[str, tuple[str, ...]] = {  # each effect's settings in a scenario file
    "supplier_late": ("supplier", "late_share", "from"),
    "product_recall": ("sku", "factor", "from"),
    "slow_payers": ("country", "factor", "from"),
    "win_rate_drop": ("region", "points", "from", "until"),
    "price_increase": ("family", "percent", "from"),
    "rep_leaves": ("rep", "successor", "from"),
    "customer_churn": ("share", "segment", "customer", "from"),
}


def load(text: str) -> tuple[Effect, ...]:
    """A preset by name, or the effects of a YAML file."""
    if text in PRESETS:
        return PRESETS[text]
    path = Path(text)
    if not path.is_file():
        raise ScenarioError(f"--scenario {text!r} is neither a preset ({', '.join(PRESETS)}) nor a file")
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (yaml.YAMLError, UnicodeDecodeError) as e:
        raise ScenarioError(f"{path} is not YAML: {str(e).splitlines()[0]}") from None
    if not isinstance(data, list) or not data:
        raise ScenarioError(f"{path}: a scenario is a list of effects ({', '.join(KNOWN)})")
    return tuple(_effect(f"{path}, entry {n}", item) for n, item in enumerate(data, 1))


def _effect(where: str, item: Any) -> Effect:
    if not isinstance(item, dict):
        raise ScenarioError(f"{where}: an effect is a mapping with `effect:` and its settings")
    kind = item.get("effect")
    if kind not in KNOWN:
        raise ScenarioError(f"{where}: effect must be one of {', '.join(KNOWN)}, not {kind!r}")
    unknown = set(item) - {"effect", *KNOWN[kind]}
    if unknown:
        raise ScenarioError(f"{where}: {kind} takes {', '.join(KNOWN[kind])}, not {sorted(unknown)[0]!r}")
    start, end = _day(where, item, "from"), _day(where, item, "until")
    if kind == "win_rate_drop":
        points = _number(where, item, "points", 0.1)
        if not 0 < points <= 0.5:
            raise ScenarioError(f"{where}: points is a drop in win probability between 0 and 0.5, not {points}")
        if start is not None and end is not None and end <= start:
            raise ScenarioError(f"{where}: until ({end}) must come after from ({start})")
        return WinRateDrop(points, _name(where, item, "region"), start, end)
    if kind == "customer_churn":
        customer = _name(where, item, "customer")
        if customer is not None:
            if "share" in item or "segment" in item:
                raise ScenarioError(f"{where}: customer_churn names one customer or a share of a segment, not both")
            return CustomerChurn(1.0, None, start, customer)
        share = _number(where, item, "share", 0.2)
        if not 0 < share <= 1:
            raise ScenarioError(f"{where}: share is a share of customers between 0 and 1, not {share}")
        return CustomerChurn(share, _name(where, item, "segment"), start)
    if kind == "rep_leaves":
        return RepLeaves(_name(where, item, "rep"), _name(where, item, "successor"), start)
    if kind == "price_increase":
        percent = _number(where, item, "percent", 5.0)
        if not 0 < percent <= 100:
            raise ScenarioError(f"{where}: percent is a rise between 0 and 100, not {percent}")
        return PriceIncrease(percent, _name(where, item, "family"), start)
    if kind == "supplier_late":
        share = _number(where, item, "late_share", 0.4)
        if not 0 <= share <= 1:
            raise ScenarioError(f"{where}: late_share is a share between 0 and 1, not {share}")
        return SupplierLate(share, _name(where, item, "supplier"), start)
    if kind == "slow_payers":
        factor = _number(where, item, "factor", 2.0)
        if not 1 <= factor <= 10:
            raise ScenarioError(f"{where}: factor multiplies days to pay: between 1 and 10, not {factor}")
        return SlowPayers(factor, _name(where, item, "country"), start)
    factor = _number(where, item, "factor", 3.0)
    if not 1 <= factor <= 20:
        raise ScenarioError(f"{where}: factor multiplies returns: between 1 and 20, not {factor}")
    return ProductRecall(factor, _name(where, item, "sku"), start)


def _day(where: str, item: dict[str, Any], key: str) -> dt.date | None:
    value = item.get(key)
    if value is not None and not isinstance(value, dt.date):
        raise ScenarioError(f"{where}: {key} is a date (YYYY-MM-DD), not {value!r}")
    return value


def _number(where: str, item: dict[str, Any], key: str, default: float) -> float:
    value = item.get(key, default)
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ScenarioError(f"{where}: {key} is a number, not {value!r}")
    return float(value)


def _name(where: str, item: dict[str, Any], key: str) -> str | None:
    value = item.get(key)
    if value is not None and not isinstance(value, str):
        raise ScenarioError(f"{where}: {key} is an identifier, not {value!r}")
    return value


# ---- at generation ----------------------------------------------------------------------------------------


def resolve(
    effects: tuple[Effect, ...],
    start: dt.date,
    days: int,
    supplier_ids: list[str],
    stocked_supply: np.ndarray,
    reliability: np.ndarray,
    skus: list[str],
    sales_weight: np.ndarray,
    countries: list[tuple[str, float]],
    reps: list[tuple[str, str, dt.date]],
) -> tuple[Effect, ...]:
    """Effects with every default made concrete: the day; the supplier (the most reliable of those supplying at
    least the median number of stocked products, so that lateness planted on it shows as a drop); the product
    (the best-selling stocked one, `sales_weight` 0 for products not stocked); the country (the second-largest
    of `countries`, code and weight: the largest is half the book, too much for one story)."""
    out: list[Effect] = []
    busy = stocked_supply >= np.median(stocked_supply[stocked_supply > 0])
    steady = supplier_ids[int(np.argmax(np.where(busy, reliability, -1.0)))]
    default_day = start + dt.timedelta(days=round(days * DEFAULT_AT))
    for e in effects:
        day = e.start or default_day
        if isinstance(e, CustomerChurn):
            if e.segment is not None and e.segment not in vocab.CUSTOMER_SEGMENTS:
                segments = ", ".join(vocab.CUSTOMER_SEGMENTS)
                raise ScenarioError(f"customer_churn: no segment {e.segment!r}; use one of {segments}")
            out.append(replace(e, start=e.start or start + dt.timedelta(days=round(days * EARLY_AT))))
        elif isinstance(e, RepLeaves):
            out.append(_resolve_rep(e, day, reps, countries))
        elif isinstance(e, PriceIncrease):
            if e.family is not None and e.family not in vocab.PRODUCT_FAMILIES:
                families = ", ".join(vocab.PRODUCT_FAMILIES)
                raise ScenarioError(f"price_increase: no product family {e.family!r}; use one of {families}")
            out.append(replace(e, start=day))
        elif isinstance(e, WinRateDrop):
            weight: dict[str, float] = {}
            for code, w in countries:
                weight[vocab.REGIONS_BY_COUNTRY[code]] = weight.get(vocab.REGIONS_BY_COUNTRY[code], 0.0) + w
            regions = sorted(weight, key=lambda r: -weight[r])
            region = e.region or regions[min(1, len(regions) - 1)]
            if region not in weight:
                raise ScenarioError(
                    f"win_rate_drop: no customers in region {region!r}; use one of {', '.join(regions)}"
                )
            first = e.start or start + dt.timedelta(days=round(days * EARLY_AT))
            if e.end is not None and e.end <= first:
                raise ScenarioError(f"win_rate_drop: until ({e.end}) must come after from ({first})")
            out.append(replace(e, region=region, start=first))
        elif isinstance(e, SlowPayers):
            codes = [c for c, _ in sorted(countries, key=lambda c: -c[1])]
            country = e.country or codes[1]
            if country not in codes:
                raise ScenarioError(f"slow_payers: no customers in {country!r}; use one of {', '.join(sorted(codes))}")
            out.append(replace(e, country=country, start=e.start or start + dt.timedelta(days=round(days * EARLY_AT))))
        elif isinstance(e, SupplierLate):
            supplier = e.supplier or steady
            if supplier not in supplier_ids:
                raise ScenarioError(f"supplier_late: no supplier {supplier!r} in this org (e.g. {supplier_ids[0]})")
            out.append(replace(e, supplier=supplier, start=day))
        else:
            sku = e.sku or skus[int(np.argmax(sales_weight))]
            if sku not in skus:
                raise ScenarioError(f"product_recall: no product {sku!r} in this org (e.g. {skus[0]})")
            if not sales_weight[skus.index(sku)]:
                raise ScenarioError(f"product_recall: {sku} is not a stocked product; only those come back")
            out.append(replace(e, sku=sku, start=day))
    return tuple(out)


def _resolve_rep(
    e: RepLeaves, day: dt.date, reps: list[tuple[str, str, dt.date]], countries: list[tuple[str, float]]
) -> RepLeaves:
    """`reps`: (User Id, country code, first day) of every sales rep, in order of joining."""
    largest = max(countries, key=lambda c: c[1])[0]
    rep = e.rep or next(r for r, c, _ in reps if c == largest)
    mine = [r for r in reps if r[0] == rep]
    if not mine:
        raise ScenarioError(f"rep_leaves: no sales rep {rep!r} in this org (e.g. {reps[0][0]})")
    _, country, joined = mine[0]
    if joined >= day:
        raise ScenarioError(f"rep_leaves: {rep} joins on {joined}, after she would leave on {day}")
    peers = [r for r, c, first in reps if c == country and r != rep and first <= day]
    successor = e.successor or (peers[0] if peers else None)
    if successor is None:
        raise ScenarioError(f"rep_leaves: no other sales rep of {country} in post on {day} to take over")
    if successor not in peers:
        raise ScenarioError(f"rep_leaves: successor {successor} is not another sales rep of {country} in post on {day}")
    return replace(e, rep=rep, successor=successor, start=day)


def check_met(effects: tuple[Effect, ...], met: dict[str, tuple[int, bool]]) -> None:
    """After generating: every record an effect names was there to take the effect (a named customer can only be
    found once its account is drawn)."""
    for e in effects:
        if isinstance(e, CustomerChurn) and e.customer is not None:
            assert e.start is not None
            if e.customer not in met:
                raise ScenarioError(f"customer_churn: no account or customer {e.customer!r} in this org")
            created, buying = met[e.customer]
            opened = dt.datetime.fromtimestamp(created, dt.UTC).date()
            if not buying:
                raise ScenarioError(f"customer_churn: {e.customer} is a prospect or partner that buys nothing")
            if opened >= e.start:
                raise ScenarioError(f"customer_churn: {e.customer} opens on {opened}, on or after from ({e.start})")


def _record(effect: Effect) -> dict[str, Any]:
    """An effect as the manifest writes it: its settings under their file names, days as text, unset as None."""
    d = asdict(effect)
    d["from"] = d.pop("start")
    if "end" in d:
        d["until"] = d.pop("end")
    return {k: str(v) if isinstance(v, dt.date) else v for k, v in d.items()}


def planted(effects: tuple[Effect, ...]) -> list[dict[str, Any]]:
    """The manifest's record of resolved effects: kind, target, size, from (and until, where the effect ends)."""
    return [_record(e) for e in effects]


def matches(requested: tuple[Effect, ...], planted_records: list[dict[str, Any]]) -> bool:
    """Whether effects as asked for (defaults unresolved) are the ones a manifest or daily state records as
    planted: the same kinds in the same order, agreeing on every setting the request gives."""
    if len(requested) != len(planted_records):
        return False
    return all(
        all(value is None or done.get(key) == value for key, value in _record(effect).items())
        for effect, done in zip(requested, planted_records, strict=True)
    )
