"""Org-wide objects that exist before the simulated period: users, products, price books, suppliers, warehouses."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from fauxforce.generators import geo, scenarios, shape, timeline, vocab
from fauxforce.generators.columns import (
    DAY,
    choice,
    code,
    join,
    midnight,
    money,
    normal_quantiles,
    pick,
    pool,
    spread,
    ts,
)
from fauxforce.generators.context import Context
from fauxforce.generators.ids import make_ids
from fauxforce.generators.pools import people
from fauxforce.generators.timeline import History, fields

ORG_DOMAIN = "fauxforce.example"
USERS_AT_SCALE_1 = 200
PRODUCTS_AT_SCALE_1 = 400  # sold through Salesforce; the ERP has 25% more (spare parts)
SUPPLIERS_AT_SCALE_1 = 60
STOCKED_FAMILIES = frozenset({0, 4})  # Hardware and Spare Parts are kept in stock


@dataclass(frozen=True)
class PriceStep:
    """A price increase: from `at` (epoch seconds) on, the list price of `products` (a mask) times `factor`."""

    at: int
    products: np.ndarray
    factor: float


@dataclass(frozen=True)
class Reference:
    user_ids: pa.Array
    rep_offsets: np.ndarray  # reps of country c are rep_order[rep_offsets[c]:rep_offsets[c + 1]]
    rep_order: np.ndarray
    rep_joined: np.ndarray  # aligned with rep_order: when each rep joined (User.CreatedDate), ascending per country
    user_created: np.ndarray  # per user
    skill: np.ndarray  # per user: the factor on the base win rate of the deals she owns (generators/shape.py)
    integration_user: int
    product_ids: pa.Array  # Product2 Ids, for the first n_sf_products ERP products
    entry_ids: pa.Array  # standard PricebookEntry Ids, aligned with product_ids
    pricebook_id: str
    skus: pa.Array  # all ERP products
    product_names: pa.Array
    family: np.ndarray
    list_cents: np.ndarray
    cost_cents: np.ndarray
    popularity: np.ndarray
    supplier: np.ndarray
    n_sf_products: int
    supplier_ids: pa.Array
    promised_lead_days: np.ndarray
    reliability: np.ndarray  # share of a supplier's deliveries that arrive on time
    warehouse_codes: pa.Array
    histories: tuple[History, ...]
    price_steps: tuple[PriceStep, ...] = ()  # planted price increases (generators/scenarios.py), in order
    departures: tuple[tuple[int, int, int], ...] = ()  # planted (rep, epoch second she leaves, successor)

    def reps(self) -> list[tuple[str, str, dt.date]]:
        """(User Id, country code, first day) of every sales rep, by country and then in order of joining."""
        out = []
        for c, country in enumerate(geo.COUNTRIES):
            for i in range(self.rep_offsets[c], self.rep_offsets[c + 1]):
                user = int(self.rep_order[i])
                joined = dt.datetime.fromtimestamp(int(self.rep_joined[i]), dt.UTC).date()
                out.append((str(self.user_ids[user].as_py()), country.code, joined))
        return out

    def in_post(self, owner: np.ndarray, at: np.ndarray) -> np.ndarray:
        """The owners, with a rep who has left by `at` replaced by her successor."""
        for rep, left, successor in self.departures:
            owner = np.where((owner == rep) & (at >= left), successor, owner)
        return owner

    def list_price(self, product: np.ndarray, at: np.ndarray) -> np.ndarray:
        """List price in cents of each product at each instant: the catalogue's, raised by every step by then."""
        cents = self.list_cents[product]
        for step in self.price_steps:
            hit = step.products[product] & (at >= step.at)
            cents = np.where(hit, np.round(cents * step.factor / 100).astype(np.int64) * 100, cents)
        return cents

    def owners_in(self, country: np.ndarray, at: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """A sales rep (user index) from the country of each record, among the reps who had joined by `at`."""
        lo = self.rep_offsets[country]
        hi = self.rep_offsets[country + 1].copy()
        at = np.broadcast_to(at, country.shape)
        for c in np.unique(country):  # a country's reps are in order of joining: those in post are a prefix
            mine = country == c
            joined = self.rep_joined[self.rep_offsets[c] : self.rep_offsets[c + 1]]
            hi[mine] = self.rep_offsets[c] + np.maximum(np.searchsorted(joined, at[mine], side="right"), 1)
        return self.in_post(self.rep_order[lo + (rng.random(len(country)) * (hi - lo)).astype(np.int64)], at)


def _count(ctx: Context, at_scale_1: int, minimum: int) -> int:
    return max(minimum, round(at_scale_1 * ctx.spec.scale))


def _users(ctx: Context) -> tuple[History, pa.Array, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    rng = ctx.rng("User")
    # At least one rep per country, so every account can have an owner from its own country.
    n = _count(ctx, USERS_AT_SCALE_1, 4 + 2 * len(geo.COUNTRIES))
    ids = make_ids("User", ctx.seq.take("User", n), n)
    n_managers = max(2, n // 9)
    # 0 integration user, 1 VP of sales, 2..n_managers+1 managers, the rest reps
    role = np.full(n, 3)
    role[0], role[1] = 0, 1
    role[2 : 2 + n_managers] = 2
    country = choice(rng, n, len(geo.COUNTRIES), [c.weight for c in geo.COUNTRIES])
    # every country has at least one manager and one rep
    k = len(geo.COUNTRIES)
    country[2 : 2 + min(k, n_managers)] = np.arange(min(k, n_managers))
    country[2 + n_managers : 2 + n_managers + k] = np.arange(k)[: max(0, n - 2 - n_managers)]
    country[:2] = 0
    first, last, _ = people(ctx.pools, country, rng)
    first = pc.if_else(pa.array(role == 0), "Integration", first)
    last = pc.if_else(pa.array(role == 0), "User", last)
    local = pc.utf8_lower(join(first, last, sep="."))
    local = pc.replace_substring_regex(pc.utf8_normalize(local, "NFKD"), r"[^a-z.]", "")
    local = join(local, pa.array(np.arange(n)).cast(pa.string()))
    email = join(local, "@" + ORG_DOMAIN)
    manager = np.full(n, -1)
    managers = np.arange(2, 2 + n_managers)
    manager[managers] = 1
    reps = np.arange(2 + n_managers, n)
    # a rep reports to a manager of the same country where there is one
    for c in range(k):
        mine = reps[country[reps] == c]
        mgrs = managers[country[managers] == c]
        manager[mine] = mgrs[rng.integers(0, len(mgrs), len(mine))] if len(mgrs) else managers[0]
    titles = np.array(["Integration User", "VP of Sales", "Sales Manager", "Account Executive"], dtype=object)
    created = ctx.spec.start_ts - rng.integers(30, 900, n) * DAY
    created[0] = ctx.spec.start_ts - 1000 * DAY
    # Some reps join during the history (never a country's first rep): they own nothing before they join and
    # win less while they ramp up (generators/shape.py).
    hires = ctx.rng("hires")
    joins = (role == 3) & (hires.random(n) < shape.REPS_HIRED_DURING_HISTORY)
    joins[2 + n_managers : 2 + n_managers + k] = False
    hired = ctx.spec.start_ts + hires.integers(0, max(1, int(ctx.spec.days * 0.9)), n) * DAY + 9 * 3600
    created = np.where(joins, hired, created)
    mgr_ids = pc.if_else(pa.array(manager >= 0), ids.take(pa.array(np.maximum(manager, 0))), None)
    static = {
        "Id": ids,
        "Username": email,
        "FirstName": first,
        "LastName": last,
        "Name": join(first, last, sep=" "),
        "CompanyName": pa.array(["Fauxforce Demo Co"] * n),
        "Department": pa.array(np.where(role == 0, "IT", "Sales").tolist(), type=pa.string()),
        "Title": pa.array(titles[role].tolist(), type=pa.string()),
        "Email": email,
        "Alias": pc.utf8_slice_codeunits(pc.utf8_lower(join(pc.utf8_slice_codeunits(first, 0, 1), last)), 0, 8),
        "IsActive": pa.array(np.ones(n, dtype=bool)),
        "TimeZoneSidKey": pa.array(["America/Los_Angeles"] * n),
        "LocaleSidKey": pa.array(["en_US"] * n),
        "EmailEncodingKey": pa.array(["UTF-8"] * n),
        "LanguageLocaleKey": pa.array(["en_US"] * n),
        "UserType": pa.array(["Standard"] * n),
        "ManagerId": mgr_ids,
        "Country": pick(pool([c.name for c in geo.COUNTRIES]), country),
        "CreatedDate": ts(created),
        "CreatedById": pa.array([ids[0].as_py()] * n),
        "LastModifiedById": pa.array([ids[0].as_py()] * n),
        "IsDeleted": pa.array(np.zeros(n, dtype=bool)),
    }
    columns = (
        "Id",
        "Username",
        "LastName",
        "FirstName",
        "Name",
        "CompanyName",
        "Department",
        "Title",
        "Email",
        "Alias",
        "IsActive",
        "TimeZoneSidKey",
        "LocaleSidKey",
        "EmailEncodingKey",
        "LanguageLocaleKey",
        "UserType",
        "ManagerId",
        "Country",
        "CreatedDate",
        "CreatedById",
        "LastModifiedDate",
        "LastModifiedById",
        "SystemModstamp",
    )
    history = History.created_only("User", "salesforce", columns, static, created)
    rep_country = country[reps]
    order = reps[np.lexsort((created[reps], rep_country))]  # by country, then by the day they joined
    offsets = np.searchsorted(np.sort(rep_country), np.arange(k + 1))
    team = np.where(role == 3, country, -1)  # reps by country; the others own no deals
    return history, ids, order, offsets, created, shape.skills(ctx.rng("rep-skill"), manager, team)


def _suppliers(ctx: Context) -> tuple[History, pa.Array, np.ndarray, np.ndarray]:
    rng = ctx.rng("suppliers")
    n = _count(ctx, SUPPLIERS_AT_SCALE_1, 5)
    ids = code("SUP-", np.arange(1, n + 1), 5)
    country = choice(rng, n, len(geo.COUNTRIES), [c.weight for c in geo.COUNTRIES])
    root = pick(ctx.pools.company_roots, rng.integers(0, len(ctx.pools.company_roots), n))
    suffix = pick(pool(vocab.SUPPLIER_SUFFIXES), rng.integers(0, len(vocab.SUPPLIER_SUFFIXES), n))
    lead = rng.integers(5, 29, n)
    reliability = rng.beta(8, 2, n)
    terms = rng.integers(0, len(vocab.PAYMENT_TERMS), n)
    created = ctx.spec.start_ts - rng.integers(200, 1500, n) * DAY
    static = {
        "supplier_id": ids,
        "supplier_name": join(root, suffix, sep=" "),
        "country": pick(pool([c.code for c in geo.COUNTRIES]), country),
        "lead_time_days": pa.array(lead),
        "payment_terms": pick(pool(vocab.PAYMENT_TERMS), terms),
        "created_at": ts(created),
    }
    columns = ("supplier_id", "supplier_name", "country", "lead_time_days", "payment_terms", "created_at", "updated_at")
    return History.created_only("suppliers", "erp", columns, static, created), ids, lead, reliability


def _warehouses(ctx: Context) -> tuple[History, pa.Array]:
    w = vocab.WAREHOUSES
    created = np.full(len(w), ctx.spec.start_ts - 2000 * DAY)
    codes = pool([x[0] for x in w])
    static = {
        "warehouse_code": codes,
        "warehouse_name": pool([x[1] for x in w]),
        "city": pool([x[2] for x in w]),
        "country": pool([x[3] for x in w]),
        "created_at": ts(created),
    }
    columns = ("warehouse_code", "warehouse_name", "city", "country", "created_at", "updated_at")
    return History.created_only("warehouses", "erp", columns, static, created), codes


FAMILY_SALES_SHARE = (0.45, 0.2, 0.2, 0.15)  # Hardware, Software, Services, Support: share of deal lines
POPULARITY_SIGMA = 1.3  # lognormal popularity: within a family, the top 20% of products sell ≈ 2/3 of the lines

PRODUCT_SERIES = ("GenWatt", "VoltEdge", "AquaFlow", "SensIQ", "CoreLink", "TerraMax", "NovaGrid", "PulseOne")
PRODUCT_FORMS = {
    "Hardware": ("Generator", "Controller", "Sensor Array", "Pump", "Inverter", "Gateway"),
    "Software": ("Monitoring Suite", "Analytics License", "Fleet Manager", "Edge Runtime"),
    "Services": ("Installation", "Training Day", "Consulting Block", "Commissioning"),
    "Support": ("Standard Support Plan", "Premium Support Plan", "Extended Warranty"),
    "Spare Parts": ("Filter Kit", "Drive Belt", "Control Board", "Seal Set", "Fan Assembly"),
}
PRICE_RANGE_DOLLARS = {
    "Hardware": (2_000, 60_000),
    "Software": (3_000, 40_000),
    "Services": (1_000, 15_000),
    "Support": (800, 9_000),
    "Spare Parts": (20, 600),
}


def _products(ctx: Context, n_suppliers: int) -> tuple[pa.Array, pa.Array, np.ndarray, np.ndarray, np.ndarray, int]:
    rng = ctx.rng("products")
    n_sf = _count(ctx, PRODUCTS_AT_SCALE_1, 12)
    n = n_sf + max(4, n_sf // 4)
    families = vocab.PRODUCT_FAMILIES
    family = np.empty(n, dtype=np.int64)
    family[:n_sf] = choice(rng, n_sf, 4, FAMILY_SALES_SHARE)
    family[:4] = np.arange(4)  # every family is on sale
    family[n_sf:] = 4  # the ERP-only products are spare parts
    names: list[str] = []
    for i in range(n):
        forms = PRODUCT_FORMS[families[family[i]]]
        series = PRODUCT_SERIES[rng.integers(len(PRODUCT_SERIES))]
        names.append(f"{series} {forms[rng.integers(len(forms))]} {100 * (1 + i % 9)}-{chr(65 + i % 26)}{i}")
    cents, popularity = _price_and_popularity(rng, family, n_sf)
    skus = code("SKU-", np.arange(10001, 10001 + n), 5)
    return skus, pool(names), family, cents, popularity, n_sf


def _price_and_popularity(rng: np.random.Generator, family: np.ndarray, n_sf: int) -> tuple[np.ndarray, np.ndarray]:
    """List prices and how often each product sells: the same mix whatever the catalogue's size.

    Within a family, prices spread log-uniformly over its range and popularity is lognormal
    (a few lines carry most of the revenue); both from evenly spread quantiles, and each family's
    share of sales is fixed, so a 40-product catalogue sells like a 400-product one.
    """
    n = len(family)
    cents = np.empty(n, dtype=np.int64)
    popularity = np.empty(n, dtype=np.float64)
    for f, name in enumerate(vocab.PRODUCT_FAMILIES):
        mine = np.flatnonzero(family == f)
        lo, hi = PRICE_RANGE_DOLLARS[name]
        dollars = np.exp(np.log(lo) + spread(rng, len(mine)) * np.log(hi / lo))
        weight = np.exp(POPULARITY_SIGMA * normal_quantiles(spread(rng, len(mine))))
        # A line's expected price is the range's mean whichever products happen to be the popular ones.
        dollars *= (hi - lo) / np.log(hi / lo) / (np.sum(weight * dollars) / weight.sum())
        cents[mine] = dollars.astype(np.int64) * 100
        sold = mine < n_sf
        if sold.any():  # products on sale in Salesforce: the family's fixed share of the deals' lines
            weight[sold] *= FAMILY_SALES_SHARE[f] / weight[sold].sum()
        if (~sold).any():  # the ERP's spare parts: as popular, on average, as the catalogue's products
            weight[~sold] *= (~sold).sum() / n_sf / weight[~sold].sum()
        popularity[mine] = weight * n_sf
    return cents, popularity


def build(ctx: Context) -> Reference:
    users, user_ids, rep_order, rep_offsets, user_created, skill = _users(ctx)
    suppliers, supplier_ids, lead, reliability = _suppliers(ctx)
    warehouses, warehouse_codes = _warehouses(ctx)
    skus, names, family, cents, popularity, n_sf = _products(ctx, len(supplier_ids))
    rng = ctx.rng("product-details")
    n = len(skus)
    cost = (cents * rng.uniform(0.35, 0.7, n)).astype(np.int64)
    supplier = rng.integers(0, len(supplier_ids), n)
    created = ctx.spec.start_ts - rng.integers(60, 800, n) * DAY
    fam_names = pick(pool(vocab.PRODUCT_FAMILIES), family)
    categories = [vocab.FAMILY_CATEGORY[vocab.PRODUCT_FAMILIES[f]] for f in family]
    category = pool([c[rng.integers(len(c))] for c in categories])
    erp_static = {
        "sku": skus,
        "product_name": names,
        "family": fam_names,
        "category": category,
        "unit_cost": money(cost),
        "list_price": money(cents),
        "supplier_id": supplier_ids.take(pa.array(supplier)),
        "is_stocked": pa.array(np.isin(family, list(STOCKED_FAMILIES)).astype(np.int8)),
        "weight_kg": pa.array(np.round(rng.lognormal(1.5, 1.0, n), 2)),
        "created_at": ts(created),
    }
    erp_columns = (
        "sku",
        "product_name",
        "family",
        "category",
        "unit_cost",
        "list_price",
        "supplier_id",
        "is_stocked",
        "weight_kg",
        "created_at",
        "updated_at",
    )
    erp_products = History.created_only("products", "erp", erp_columns, erp_static, created)

    integration = user_ids[0].as_py()
    sf = slice(0, n_sf)
    product_ids = make_ids("Product2", ctx.seq.take("Product2", n_sf), n_sf)
    sf_created = created[sf] + DAY
    true_n = pa.array(np.ones(n_sf, dtype=bool))
    false_n = pa.array(np.zeros(n_sf, dtype=bool))
    by = pa.array([integration] * n_sf)
    product2 = History.created_only(
        "Product2",
        "salesforce",
        fields(
            "Id Name ProductCode Description IsActive Family IsDeleted CreatedDate CreatedById LastModifiedDate "
            "LastModifiedById SystemModstamp"
        ),
        {
            "Id": product_ids,
            "Name": names[sf],
            "ProductCode": skus[sf],
            "Description": join(fam_names[sf], category[sf], sep=" — "),
            "IsActive": true_n,
            "Family": fam_names[sf],
            "IsDeleted": false_n,
            "CreatedDate": ts(sf_created),
            "CreatedById": by,
            "LastModifiedById": by,
        },
        sf_created,
    )
    pb_id = make_ids("Pricebook2", ctx.seq.take("Pricebook2", 1), 1)
    pb_created = np.array([ctx.spec.start_ts - 1100 * DAY])
    pricebook = History.created_only(
        "Pricebook2",
        "salesforce",
        fields(
            "Id Name IsActive IsStandard Description IsDeleted CreatedDate CreatedById LastModifiedDate "
            "LastModifiedById SystemModstamp"
        ),
        {
            "Id": pb_id,
            "Name": pa.array(["Standard Price Book"]),
            "IsActive": pa.array([True]),
            "IsStandard": pa.array([True]),
            "Description": pa.array(["List prices of every product"]),
            "IsDeleted": pa.array([False]),
            "CreatedDate": ts(pb_created),
            "CreatedById": pa.array([integration]),
            "LastModifiedById": pa.array([integration]),
        },
        pb_created,
    )
    entry_ids = make_ids("PricebookEntry", ctx.seq.take("PricebookEntry", n_sf), n_sf)
    entry_created = sf_created + 3600
    entries = History.created_only(
        "PricebookEntry",
        "salesforce",
        fields(
            "Id Name Pricebook2Id Product2Id ProductCode UnitPrice IsActive UseStandardPrice IsDeleted "
            "CreatedDate CreatedById LastModifiedDate LastModifiedById SystemModstamp"
        ),
        {
            "Id": entry_ids,
            "Name": names[sf],
            "Pricebook2Id": pa.array([pb_id[0].as_py()] * n_sf),
            "Product2Id": product_ids,
            "ProductCode": skus[sf],
            "UnitPrice": money(cents[sf]),
            "IsActive": true_n,
            "UseStandardPrice": false_n,
            "IsDeleted": false_n,
            "CreatedDate": ts(entry_created),
            "CreatedById": by,
            "LastModifiedById": by,
        },
        entry_created,
    )
    return Reference(
        user_ids=user_ids,
        rep_offsets=rep_offsets,
        rep_order=rep_order,
        rep_joined=user_created[rep_order],
        user_created=user_created,
        skill=skill,
        integration_user=0,
        product_ids=product_ids,
        entry_ids=entry_ids,
        pricebook_id=pb_id[0].as_py(),
        skus=skus,
        product_names=names,
        family=family,
        list_cents=cents,
        cost_cents=cost,
        popularity=popularity,
        supplier=supplier,
        n_sf_products=n_sf,
        supplier_ids=supplier_ids,
        promised_lead_days=lead,
        reliability=reliability,
        warehouse_codes=warehouse_codes,
        histories=(users, product2, pricebook, entries, erp_products, suppliers, warehouses),
    )


def with_planted(ref: Reference, effects: tuple[scenarios.Effect, ...]) -> Reference:
    """The reference with the planted effects that change it: a rep who leaves (her user deactivated, and the
    departure that `in_post` and `hand_over` apply), and price increases (each a new version of the raised
    products' price book entries and ERP products, on its day; lines and orders from then on are priced by
    `list_price`)."""
    steps: list[PriceStep] = []
    for e in effects:
        if isinstance(e, scenarios.RepLeaves):
            ref = _with_departure(ref, e)
        if isinstance(e, scenarios.PriceIncrease):
            assert e.start is not None
            products = np.ones(len(ref.family), dtype=bool)
            if e.family is not None:
                products = ref.family == vocab.PRODUCT_FAMILIES.index(e.family)
            at = midnight(e.start)
            steps.append(PriceStep(at, products, 1 + e.percent / 100))
    if not steps:
        return ref
    return _with_price_steps(ref, tuple(sorted(steps, key=lambda step: step.at)))


def _with_price_steps(ref: Reference, steps: tuple[PriceStep, ...]) -> Reference:
    raised = replace(ref, price_steps=steps)
    n_sf, n = ref.n_sf_products, len(ref.list_cents)

    def repriced(h: History, column: str, count: int) -> History:
        rows = [np.arange(count)]
        at = [h.at[:count]]
        for step in steps:
            mine = np.flatnonzero(step.products[:count])
            rows.append(mine)
            at.append(np.full(len(mine), step.at, dtype=np.int64))
        row, when = np.concatenate(rows), np.concatenate(at)
        prices = raised.list_price(row, when)
        return History.build(h.name, h.system, h.columns, h.static, row, when, {column: money(prices)})

    histories = tuple(
        repriced(h, "UnitPrice", n_sf)
        if h.name == "PricebookEntry"
        else repriced(h, "list_price", n)
        if h.name == "products"
        else h
        for h in ref.histories
    )
    return replace(raised, histories=histories)


def _with_departure(ref: Reference, e: scenarios.RepLeaves) -> Reference:
    """The rep's user is deactivated on the day she leaves (a new version); records are handed over by
    `hand_over`, and records drawn for her after it go to her successor (`in_post`)."""
    assert e.rep is not None and e.successor is not None and e.start is not None
    ids = ref.user_ids.to_pylist()
    rep, successor = ids.index(e.rep), ids.index(e.successor)
    left = midnight(e.start)
    histories = []
    for h in ref.histories:
        if h.name == "User":
            row = np.concatenate([h.row, [rep]])
            at = np.concatenate([h.at, [left]])
            changing = {
                **{k: pa.concat_arrays([v, v.take(pa.array([rep]))]) for k, v in h.changing.items()},
                "IsActive": pa.array([*([True] * len(h.row)), False]),
                "LastModifiedById": pa.array([*h.static["LastModifiedById"].take(pa.array(h.row)).to_pylist(), ids[0]]),
            }
            static = {k: v for k, v in h.static.items() if k not in changing}
            h = History.build(h.name, h.system, h.columns, static, row, at, changing)
        histories.append(h)
    return replace(ref, histories=tuple(histories), departures=(*ref.departures, (rep, left, successor)))


def hand_over(h: History, ref: Reference) -> History:
    """A block's Salesforce records, with what each departed rep owned handed over to her successor."""
    if h.system != "salesforce":
        return h
    ids = ref.user_ids
    for rep, left, successor in ref.departures:
        h = timeline.hand_over(h, ids[rep].as_py(), ids[successor].as_py(), left, FINISHED.get(h.name))
    return h


# A departed rep keeps what is finished when she leaves: closed deals (her bookings) and cases, converted leads.
FINISHED = {"Opportunity": "IsClosed", "Case": "IsClosed", "Lead": "IsConverted"}
