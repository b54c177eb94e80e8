"""The Salesforce side of one block: the accounts created in it and everything that grows from them.

A block's accounts bring their contacts, opportunities (with line items, contact roles and stage
history), cases and the leads they were converted from, over the whole future of those records;
the views cut that future at the as-of moment. Children always start after their parents.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from fauxforce.generators import geo, scenarios, shape, vocab
from fauxforce.generators.columns import (
    DAY,
    HOUR,
    child_index,
    choice,
    date,
    digits,
    join,
    masked,
    midnight,
    money,
    number_text,
    pick,
    pool,
    ts,
    work_time,
)
from fauxforce.generators.context import BLOCK_DAYS, Context
from fauxforce.generators.ids import make_ids
from fauxforce.generators.pools import STREETS_PER_COUNTRY, people, per_country
from fauxforce.generators.reference import Reference
from fauxforce.generators.timeline import History

# Calibrated so scale 1 gives ≈60k Contacts after a year (opportunity and case rates: sales.py, support.py).
CONTACTS_PER_ACCOUNT = 3.3
CONVERTED_SHARE = 0.3
LEAD_DAYS = 90  # a converted lead is created at most this long before its account (generators/support.py)

SF_SYSTEM = ("CreatedDate", "CreatedById", "LastModifiedDate", "LastModifiedById", "SystemModstamp")


@dataclass(frozen=True)
class Accounts:
    ids: pa.Array
    created: np.ndarray
    country: np.ndarray
    city: np.ndarray
    street: pa.Array
    postal: pa.Array
    name: pa.Array
    root: pa.Array
    suffix: pa.Array
    domain: pa.Array
    type: np.ndarray
    employees: np.ndarray
    owner: np.ndarray
    erp_number: pa.Array  # null for accounts that do not buy
    from_lead: np.ndarray
    industry: np.ndarray
    segment: np.ndarray  # index into vocab.CUSTOMER_SEGMENTS
    wallet: np.ndarray  # spending power, a multiplier with mean 1 (generators/shape.py)
    churned_at: np.ndarray  # epoch second from which the account wins nothing (a planted churn), else the max


@dataclass(frozen=True)
class Contacts:
    ids: pa.Array
    account: np.ndarray
    created: np.ndarray
    first: pa.Array
    last: pa.Array
    salutation: pa.Array
    email: pa.Array
    start: np.ndarray  # first contact index of each account
    count: np.ndarray


@dataclass(frozen=True)
class Won:
    """Closed Won opportunities of buying accounts: each becomes one ERP sales order."""

    opportunity_ids: pa.Array
    account: np.ndarray
    closed_at: np.ndarray
    line_opportunity: np.ndarray  # per line: index into the won arrays
    line_product: np.ndarray
    line_quantity: np.ndarray
    line_unit_cents: np.ndarray


@dataclass(frozen=True)
class CrmBlock:
    histories: list[History]
    accounts: Accounts
    won: Won


def _ids(ctx: Context, name: str, n: int) -> pa.Array:
    return make_ids(name, ctx.seq.take(name, n), n)


def _bools(values: np.ndarray) -> pa.Array:
    return pa.array(np.asarray(values, dtype=bool))


def _const(value: object, n: int) -> pa.Array:
    return pa.array([value] * n)


def _ascii_lower(values: pa.Array) -> pa.Array:
    return pc.replace_substring_regex(pc.utf8_normalize(pc.utf8_lower(values), "NFKD"), r"[^a-z0-9]", "")


def _phones(ctx_rng: np.random.Generator, city: np.ndarray) -> pa.Array:
    prefix = pick(pool([c[4] for c in geo.CITIES]), city)
    n = len(city)
    exchange = pa.array(ctx_rng.integers(200, 1000, n)).cast(pa.string())  # never starts with 0 or 1
    return join(prefix, exchange, "-", digits(ctx_rng, n, 4))


def _addresses(ctx: Context, rng: np.random.Generator, country: np.ndarray) -> tuple[np.ndarray, pa.Array, pa.Array]:
    city = np.empty(len(country), dtype=np.int64)
    for c in range(len(geo.COUNTRIES)):
        mine = np.flatnonzero(country == c)
        options = geo.cities_of(c)
        city[mine] = options[rng.integers(0, len(options), len(mine))]
    street = pick(ctx.pools.streets, per_country(country, STREETS_PER_COUNTRY, rng))
    postal = pick(ctx.pools.postal_codes, per_country(city, geo.POSTAL_CODES_PER_CITY, rng))
    return city, street, postal


CITY_NAMES = pool([c[1] for c in geo.CITIES])
STATE_NAMES = pool([c[2] for c in geo.CITIES])
COUNTRY_NAMES = pool([c.name for c in geo.COUNTRIES])
CITY_LAT = np.array([c[5] for c in geo.CITIES])
CITY_LON = np.array([c[6] for c in geo.CITIES])


@dataclass(frozen=True)
class CompanyNames:
    name: pa.Array
    root: pa.Array
    descriptor: pa.Array
    suffix: pa.Array
    domain: pa.Array
    industry: np.ndarray


def company_names(ctx: Context, rng: np.random.Generator, country: np.ndarray) -> CompanyNames:
    """`[prefix ]root descriptor suffix`: a space of millions of names, so names stay distinct at scale."""
    n = len(country)
    roots = ctx.pools.company_roots
    root = pick(roots, rng.integers(0, len(roots), n))
    descriptor = rng.integers(0, len(vocab.DESCRIPTORS), n)
    desc = pick(pool([d[0] for d in vocab.DESCRIPTORS]), descriptor)
    suffix_pool = [c.company_suffixes for c in geo.COUNTRIES]
    suffix = pool(
        [suffix_pool[c][i % len(suffix_pool[c])] for c, i in zip(country, rng.integers(0, 6, n), strict=True)]
    )
    prefix = pick(pool(vocab.NAME_PREFIXES), rng.integers(0, len(vocab.NAME_PREFIXES), n))
    has_prefix = rng.random(n) < 0.35
    base = pc.if_else(_bools(has_prefix), join(prefix, root, desc, sep=" "), join(root, desc, sep=" "))
    industry_of = np.array([vocab.INDUSTRIES.index(d[1]) for d in vocab.DESCRIPTORS])
    industry = np.where(rng.random(n) < 0.85, industry_of[descriptor], rng.integers(0, len(vocab.INDUSTRIES), n))
    tld = pick(pool([c.tld for c in geo.COUNTRIES]), country)
    domain = join(_ascii_lower(join(root, desc)), tld, sep=".")
    return CompanyNames(join(base, suffix, sep=" "), root, desc, suffix, domain, industry)


def accounts(ctx: Context, ref: Reference, block: int, chunk: int, n: int) -> tuple[History, Accounts]:
    rng = ctx.rng("Account", block, chunk)
    spec = ctx.spec
    ids = _ids(ctx, "Account", n)
    day0 = spec.block_start(block)
    created = np.sort(work_time(rng, day0 + rng.integers(0, BLOCK_DAYS, n) * DAY))
    country = choice(rng, n, len(geo.COUNTRIES), [c.weight for c in geo.COUNTRIES])
    city, street, postal = _addresses(ctx, rng, country)
    names = company_names(ctx, rng, country)
    name, root, suffix, domain = names.name, names.root, names.suffix, names.domain
    industry = names.industry
    acct_type = choice(rng, n, len(vocab.ACCOUNT_TYPES), vocab.ACCOUNT_TYPE_WEIGHTS)
    employees = np.maximum(2, rng.lognormal(5.0, 1.5, n)).astype(np.int64)
    revenue = (employees * rng.uniform(80_000, 260_000, n)).astype(np.int64) // 1000 * 1000 * 100
    segment = shape.segment_of(employees)
    from_lead = rng.random(n) < CONVERTED_SHARE
    # an account from a lead is owned by the lead's owner, who had it up to LEAD_DAYS before the account
    owner = ref.owners_in(country, np.where(from_lead, created - LEAD_DAYS * DAY, created), rng)
    buying = np.isin(acct_type, list(vocab.BUYING_TYPES))
    erp_no = masked(join("C", number_text(ctx.seq.number("customer_number", n), 7)), buying)
    # Subsidiaries: a later account of the block points at an earlier one.
    parent = np.full(n, -1)
    sub = np.flatnonzero((rng.random(n) < 0.08) & (np.arange(n) > 0))
    parent[sub] = (rng.random(len(sub)) * sub).astype(np.int64)
    ownership = np.where(parent >= 0, 2, choice(rng, n, 4, (0.2, 0.6, 0.0, 0.2)))
    public = ownership == 0
    ticker = masked(pc.utf8_slice_codeunits(pc.utf8_upper(_ascii_lower(root)), 0, 4), public)
    other_city, other_street, other_postal = _addresses(ctx, rng, country)
    same_ship = rng.random(n) < 0.8
    ship_city = np.where(same_ship, city, other_city)
    lat = np.round(CITY_LAT[city] + rng.normal(0, 0.03, n), 6)
    lon = np.round(CITY_LON[city] + rng.normal(0, 0.03, n), 6)
    users = ref.user_ids
    owner_ids = users.take(pa.array(owner))
    created_by = users.take(pa.array(np.where(rng.random(n) < 0.7, owner, ref.integration_user)))
    region = pick(pool([vocab.REGIONS_BY_COUNTRY[c.code] for c in geo.COUNTRIES]), country)
    what = pick(pool([f"{i.lower()} company" for i in vocab.INDUSTRIES]), industry)
    description = join(pc.utf8_capitalize(what), "based in", pick(CITY_NAMES, city), sep=" ")
    static = {
        "Id": ids,
        "Name": name,
        "Type": pick(pool(vocab.ACCOUNT_TYPES), acct_type),
        "ParentId": masked(ids.take(pa.array(np.maximum(parent, 0))), parent >= 0),
        "BillingStreet": street,
        "BillingCity": pick(CITY_NAMES, city),
        "BillingState": pick(STATE_NAMES, city),
        "BillingPostalCode": postal,
        "BillingCountry": pick(COUNTRY_NAMES, country),
        "BillingLatitude": pa.array(lat),
        "BillingLongitude": pa.array(lon),
        "ShippingStreet": pc.if_else(_bools(same_ship), street, other_street),
        "ShippingCity": pick(CITY_NAMES, ship_city),
        "ShippingState": pick(STATE_NAMES, ship_city),
        "ShippingPostalCode": pc.if_else(_bools(same_ship), postal, other_postal),
        "ShippingCountry": pick(COUNTRY_NAMES, country),
        "Phone": _phones(rng, city),
        "Fax": masked(_phones(rng, city), rng.random(n) < 0.3),
        "AccountNumber": join("A", digits(rng, n, 8)),
        "Website": join("https://www.", domain),
        "Sic": pa.array((1000 + industry * 250 + rng.integers(0, 250, n)).astype(str).tolist(), type=pa.string()),
        "Industry": pick(pool(vocab.INDUSTRIES), industry),
        "AnnualRevenue": money(revenue),
        "NumberOfEmployees": pa.array(employees),
        "Ownership": pick(pool(vocab.OWNERSHIP), ownership),
        "TickerSymbol": ticker,
        "Description": description,
        "Site": pc.if_else(_bools(parent >= 0), "Branch", "Headquarters"),
        "OwnerId": owner_ids,
        "CreatedDate": ts(created),
        "CreatedById": created_by,
        "AccountSource": pick(pool(vocab.SOURCES), choice(rng, n, 5, (0.35, 0.2, 0.2, 0.1, 0.15))),
        "YearStarted": pa.array(
            (2024 - np.minimum(120, rng.gamma(2, 12, n).astype(np.int64))).astype(str).tolist(), type=pa.string()
        ),
        "CustomerSegment__c": pick(pool(vocab.CUSTOMER_SEGMENTS), segment),
        "GeographicRegion__c": region,
        "ERP_Customer_Number__c": erp_no,
    }
    # Versions: creation, then edits that re-rate the account or change its status.
    n_edits = rng.poisson(1.5, n)
    e_parent, _e_rank = child_index(n_edits)
    gaps = rng.exponential(120 * DAY, len(e_parent)).astype(np.int64) + HOUR
    e_at = created[e_parent] + _cumulative(gaps, e_parent)
    row = np.concatenate([np.arange(n), e_parent])
    at = np.concatenate([created, e_at])
    nv = len(row)
    rating = choice(rng, nv, 3, (0.2, 0.45, 0.35))
    status = np.where(buying[row], choice(rng, nv, 3, (0.85, 0.05, 0.10)), choice(rng, nv, 3, (0.6, 0.3, 0.1)))
    status[:n] = np.where(buying, 0, 0)
    editor = np.where(rng.random(nv) < 0.8, owner[row], ref.integration_user)
    changing = {
        "Rating": pick(pool(vocab.RATINGS), rating),
        "AccountStatus__c": pick(pool(vocab.ACCOUNT_STATUSES), status),
        "LastModifiedById": users.take(pa.array(editor)),
        "IsDeleted": _bools(np.zeros(nv, dtype=bool)),
    }
    columns = (
        "Id",
        "IsDeleted",
        "Name",
        "Type",
        "ParentId",
        "BillingStreet",
        "BillingCity",
        "BillingState",
        "BillingPostalCode",
        "BillingCountry",
        "BillingLatitude",
        "BillingLongitude",
        "ShippingStreet",
        "ShippingCity",
        "ShippingState",
        "ShippingPostalCode",
        "ShippingCountry",
        "Phone",
        "Fax",
        "AccountNumber",
        "Website",
        "Sic",
        "Industry",
        "AnnualRevenue",
        "NumberOfEmployees",
        "Ownership",
        "TickerSymbol",
        "Description",
        "Rating",
        "Site",
        "OwnerId",
        *SF_SYSTEM,
        "AccountSource",
        "YearStarted",
        "CustomerSegment__c",
        "GeographicRegion__c",
        "AccountStatus__c",
        "ERP_Customer_Number__c",
    )
    history = History.build("Account", "salesforce", columns, static, row, at, changing)
    info = Accounts(
        ids=ids,
        created=created,
        country=country,
        city=city,
        street=street,
        postal=postal,
        name=name,
        root=root,
        suffix=suffix,
        domain=domain,
        type=acct_type,
        employees=employees,
        owner=owner,
        erp_number=erp_no,
        from_lead=from_lead,
        industry=industry,
        segment=segment,
        wallet=shape.wallet(ctx.rng("wallet", block, chunk), n),
        churned_at=_churned(ctx, block, chunk, created, segment, buying, (ids, erp_no)),
    )
    return history, info


def _churned(
    ctx: Context,
    block: int,
    chunk: int,
    created: np.ndarray,
    segment: np.ndarray,
    buying: np.ndarray,
    names: tuple[pa.Array, pa.Array],
) -> np.ndarray:
    """Per account: when a planted churn takes it (the customers of the segment with an account by then, each
    with the effect's probability, from a stream of the effect's own; or the one customer it names), else
    never. A named customer is noted in `ctx.met`, so the org can say when it names none."""
    never = np.full(len(created), np.iinfo(np.int64).max)
    for e in ctx.planted:
        if isinstance(e, scenarios.CustomerChurn):
            assert e.start is not None
            at = midnight(e.start)
            if e.customer is not None:
                named = np.zeros(len(created), dtype=bool)
                for column in names:  # the Account Id, or the ERP customer number
                    named |= pc.fill_null(pc.equal(column, e.customer), False).to_numpy(zero_copy_only=False)
                for i in np.flatnonzero(named):
                    ctx.met[e.customer] = (int(created[i]), bool(buying[i]))
                hit = named & buying & (created < at)
            else:
                draw = ctx.rng("scenario", e.effect, str(e.segment), str(e.start), block, chunk).random(len(created))
                mine = segment == vocab.CUSTOMER_SEGMENTS.index(e.segment) if e.segment else True
                hit = buying & mine & (created < at) & (draw < e.share)
            never = np.where(hit, np.minimum(never, at), never)
    return never


def _cumulative(gaps: np.ndarray, parent: np.ndarray) -> np.ndarray:
    """Running sum of gaps within each parent's children (children are grouped by parent)."""
    total = np.cumsum(gaps)
    if len(parent) == 0:
        return total
    first = np.r_[True, parent[1:] != parent[:-1]]
    base = np.maximum.accumulate(np.where(first, np.arange(len(parent)), 0))
    return total - total[base] + gaps[base]


def contacts(ctx: Context, ref: Reference, block: int, chunk: int, acc: Accounts) -> tuple[History, Contacts]:
    rng = ctx.rng("Contact", block, chunk)
    counts = 1 + rng.poisson(CONTACTS_PER_ACCOUNT - 1, len(acc.created))
    parent, rank = child_index(counts)
    n = len(parent)
    ids = _ids(ctx, "Contact", n)
    gaps = np.where(rank == 0, rng.integers(60, HOUR, n), rng.exponential(25 * DAY, n).astype(np.int64) + 60)
    created = acc.created[parent] + _cumulative(gaps, parent)
    country = acc.country[parent]
    first, last, salutation = people(ctx.pools, country, rng)
    domain = acc.domain.take(pa.array(parent))
    email = join(join(_ascii_lower(first), _ascii_lower(last), sep="."), domain, sep="@")
    level = choice(rng, n, len(vocab.CONTACT_LEVELS), vocab.CONTACT_LEVEL_WEIGHTS)
    titles = [vocab.TITLES_BY_LEVEL[lv] for lv in level]
    title = pool([t[i % len(t)] for t, i in zip(titles, rng.integers(0, 5, n), strict=True)])
    owner = acc.owner[parent]
    users = ref.user_ids
    start = np.cumsum(counts) - counts
    reports_to = np.where((rank > 0) & (rng.random(n) < 0.4), start[parent], -1)
    city = acc.city[parent]
    birth = ctx.spec.start_ts - rng.integers(22 * 365, 65 * 365, n) * DAY
    static = {
        "Id": ids,
        "AccountId": acc.ids.take(pa.array(parent)),
        "LastName": last,
        "FirstName": first,
        "Salutation": salutation,
        "Name": join(first, last, sep=" "),
        "MailingStreet": acc.street.take(pa.array(parent)),
        "MailingCity": pick(CITY_NAMES, city),
        "MailingState": pick(STATE_NAMES, city),
        "MailingPostalCode": acc.postal.take(pa.array(parent)),
        "MailingCountry": pick(COUNTRY_NAMES, country),
        "Phone": _phones(rng, city),
        "MobilePhone": masked(_phones(rng, city), rng.random(n) < 0.6),
        "ReportsToId": masked(ids.take(pa.array(np.maximum(reports_to, 0))), reports_to >= 0),
        "Email": email,
        "Title": title,
        "Department": pick(pool(vocab.DEPARTMENTS), rng.integers(0, len(vocab.DEPARTMENTS), n)),
        "LeadSource": pick(pool(vocab.SOURCES), rng.integers(0, len(vocab.SOURCES), n)),
        "Birthdate": masked(date(birth), rng.random(n) < 0.3),
        "OwnerId": users.take(pa.array(owner)),
        "CreatedDate": ts(created),
        "CreatedById": users.take(pa.array(owner)),
        "ContactRole__c": pick(pool(vocab.CONTACT_ROLE_C), rng.integers(0, len(vocab.CONTACT_ROLE_C), n)),
        "ContactLevel__c": pick(pool(vocab.CONTACT_LEVELS), level),
    }
    info = Contacts(ids, parent, created, first, last, salutation, email, start, counts)
    return _contact_history(rng, ref, static, info), info


def _contact_history(rng: np.random.Generator, ref: Reference, static: dict[str, pa.Array], c: Contacts) -> History:
    n = len(c.created)
    n_edits = rng.poisson(0.8, n)
    e_parent, _ = child_index(n_edits)
    gaps = rng.exponential(90 * DAY, len(e_parent)).astype(np.int64) + HOUR
    row = np.concatenate([np.arange(n), e_parent])
    at = np.concatenate([c.created, c.created[e_parent] + _cumulative(gaps, e_parent)])
    score = np.clip(rng.normal(45, 20, len(row)), 0, 100).astype(np.int64)
    owner_ids = static["OwnerId"].take(pa.array(row))
    changing = {
        "EngagementScore__c": pa.array(score),
        "LastModifiedById": owner_ids,
        "IsDeleted": _bools(np.zeros(len(row), dtype=bool)),
    }
    columns = (
        "Id",
        "IsDeleted",
        "AccountId",
        "LastName",
        "FirstName",
        "Salutation",
        "Name",
        "MailingStreet",
        "MailingCity",
        "MailingState",
        "MailingPostalCode",
        "MailingCountry",
        "Phone",
        "MobilePhone",
        "ReportsToId",
        "Email",
        "Title",
        "Department",
        "LeadSource",
        "Birthdate",
        "OwnerId",
        *SF_SYSTEM,
        "ContactRole__c",
        "ContactLevel__c",
        "EngagementScore__c",
    )
    return History.build("Contact", "salesforce", columns, static, row, at, changing)


def with_soft_deletes(h: History, deletable: np.ndarray, rate: float, rng: np.random.Generator) -> History:
    """Add a deletion version to a share of the records that nothing references."""
    n = len(deletable)
    victims = np.flatnonzero(deletable & (rng.random(n) < rate))
    last_at = np.zeros(n, dtype=np.int64)
    np.maximum.at(last_at, h.row, h.at)
    at = last_at[victims] + rng.exponential(60 * DAY, len(victims)).astype(np.int64) + HOUR
    last_version = np.searchsorted(h.row, victims, side="right") - 1
    changing = {k: v.take(pa.array(last_version)) for k, v in h.changing.items()}
    changing["IsDeleted"] = _bools(np.ones(len(victims), dtype=bool))
    merged = {k: pa.concat_arrays([h.changing[k], changing[k]]) for k in h.changing}
    return History.build(
        h.name, h.system, h.columns, h.static, np.concatenate([h.row, victims]), np.concatenate([h.at, at]), merged
    )


def available_contact(
    rng: np.random.Generator, c: Contacts, account: np.ndarray, at: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """A random contact of each account created at or before `at`; (contact index, found)."""
    big = np.int64(1) << 40
    key = c.account.astype(np.int64) * big + c.created
    upto = np.searchsorted(key, account.astype(np.int64) * big + at, side="right")
    have = upto - c.start[account]
    found = have > 0
    pick_rank = (rng.random(len(account)) * np.maximum(have, 1)).astype(np.int64)
    return c.start[account] + pick_rank, found
