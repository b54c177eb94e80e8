"""Leads (converted ones come with their account; the rest arrive on their own) and Cases."""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from fauxforce.generators import geo, vocab
from fauxforce.generators.columns import (
    DAY,
    HOUR,
    child_index,
    choice,
    date,
    join,
    masked,
    money,
    number_text,
    pick,
    pool,
    ts,
    work_time,
)
from fauxforce.generators.context import BLOCK_DAYS, Context
from fauxforce.generators.crm import (
    CITY_NAMES,
    COUNTRY_NAMES,
    LEAD_DAYS,
    SF_SYSTEM,
    STATE_NAMES,
    Accounts,
    Contacts,
    _addresses,
    _ascii_lower,
    _bools,
    _cumulative,
    _ids,
    _phones,
    available_contact,
    company_names,
)
from fauxforce.generators.pools import people
from fauxforce.generators.reference import Reference
from fauxforce.generators.timeline import History

LEADS_AT_SCALE_1 = 34_000  # never converted; converted leads come with their account
CASES_PER_ACCOUNT = np.array([0.5, 2.2, 2.0, 1.5, 0.8, 0.8, 0.5])  # by Account Type
LEAD_COLUMNS = (
    "Id",
    "IsDeleted",
    "LastName",
    "FirstName",
    "Salutation",
    "Name",
    "Title",
    "Company",
    "Street",
    "City",
    "State",
    "PostalCode",
    "Country",
    "Phone",
    "MobilePhone",
    "Email",
    "Website",
    "LeadSource",
    "Status",
    "Industry",
    "Rating",
    "AnnualRevenue",
    "NumberOfEmployees",
    "OwnerId",
    "IsConverted",
    "ConvertedDate",
    "ConvertedAccountId",
    "ConvertedContactId",
    "ConvertedOpportunityId",
    "IsUnreadByOwner",
    *SF_SYSTEM,
)


def leads(
    ctx: Context,
    ref: Reference,
    block: int,
    chunk: int,
    acc: Accounts,
    con: Contacts,
    first_opp_ids: pa.Array,
) -> History:
    rng = ctx.rng("Lead", block, chunk)
    spec = ctx.spec
    users = ref.user_ids
    conv = np.flatnonzero(acc.from_lead)
    nc = len(conv)
    n_open = spec.block_count(LEADS_AT_SCALE_1, block) if chunk == 0 else 0
    n = nc + n_open
    ids = _ids(ctx, "Lead", n)
    # Converted leads: the account's name and address, the first contact's person.
    first_contact = con.start[conv]
    converted_at = acc.created[conv]
    conv_created = np.maximum(spec.start_ts, converted_at - rng.integers(3, LEAD_DAYS, nc) * DAY)
    # Leads that never convert: a company of their own.
    o_country = choice(rng, n_open, len(geo.COUNTRIES), [c.weight for c in geo.COUNTRIES])
    o_city, o_street, o_postal = _addresses(ctx, rng, o_country)
    o_names = company_names(ctx, rng, o_country)
    o_first, o_last, o_salutation = people(ctx.pools, o_country, rng)
    o_email = join(join(_ascii_lower(o_first), _ascii_lower(o_last), sep="."), o_names.domain, sep="@")
    o_created = np.sort(work_time(rng, spec.block_start(block) + rng.integers(0, BLOCK_DAYS, n_open) * DAY))

    def both(converted: pa.Array, other: pa.Array) -> pa.Array:
        return pa.concat_arrays([converted.cast(other.type), other])

    country = np.concatenate([acc.country[conv], o_country])
    city = np.concatenate([acc.city[conv], o_city])
    first = both(con.first.take(pa.array(first_contact)), o_first)
    last = both(con.last.take(pa.array(first_contact)), o_last)
    created = np.concatenate([conv_created, o_created])
    employees = np.concatenate([acc.employees[conv], np.maximum(2, rng.lognormal(4.5, 1.4, n_open)).astype(np.int64)])
    industry = np.concatenate([acc.industry[conv], o_names.industry])
    domain = both(acc.domain.take(pa.array(conv)), o_names.domain)
    owner = np.concatenate([acc.owner[conv], ref.owners_in(o_country, o_created, rng)])
    level = rng.integers(0, len(vocab.TITLES_BY_LEVEL), n)
    static = {
        "Id": ids,
        "LastName": last,
        "FirstName": first,
        "Salutation": both(con.salutation.take(pa.array(first_contact)), o_salutation),
        "Name": join(first, last, sep=" "),
        "Title": pool([vocab.TITLES_BY_LEVEL[lv][0] for lv in level]),
        "Company": both(acc.name.take(pa.array(conv)), o_names.name),
        "Street": both(acc.street.take(pa.array(conv)), o_street),
        "City": pick(CITY_NAMES, city),
        "State": pick(STATE_NAMES, city),
        "PostalCode": both(acc.postal.take(pa.array(conv)), o_postal),
        "Country": pick(COUNTRY_NAMES, country),
        "Phone": _phones(rng, city),
        "MobilePhone": masked(_phones(rng, city), rng.random(n) < 0.5),
        "Email": both(con.email.take(pa.array(first_contact)), o_email),
        "Website": join("https://www.", domain),
        "LeadSource": pick(pool(vocab.SOURCES), choice(rng, n, 5, (0.4, 0.2, 0.15, 0.15, 0.1))),
        "Industry": pick(pool(vocab.INDUSTRIES), industry),
        "Rating": pick(pool(vocab.RATINGS), rng.integers(0, 3, n)),
        "AnnualRevenue": money(employees * rng.integers(800, 2600, n) * 10_000),
        "NumberOfEmployees": pa.array(employees),
        "OwnerId": users.take(pa.array(owner)),
        "IsUnreadByOwner": _bools(np.zeros(n, dtype=bool)),
        "CreatedDate": ts(created),
        "CreatedById": users.take(pa.array(owner)),
    }
    # Versions. Converted: open → working → converted at the account's creation.
    # Others: open → working (65%) → closed, not converted (half of those); 3% are later deleted.
    working_at = created + (np.concatenate([converted_at - conv_created, np.full(n_open, 60 * DAY)]) // 2)
    o_works = rng.random(n_open) < 0.65
    o_closes = o_works & (rng.random(n_open) < 0.5)
    o_closed_at = working_at[nc:] + rng.exponential(30 * DAY, n_open).astype(np.int64) + HOUR
    o_deleted = rng.random(n_open) < 0.03
    o_deleted_at = np.maximum(o_created, np.where(o_closes, o_closed_at, working_at[nc:])) + 7 * DAY
    rows = [np.arange(n), np.arange(nc), np.arange(nc), nc + np.flatnonzero(o_works), nc + np.flatnonzero(o_closes)]
    rows.append(nc + np.flatnonzero(o_deleted))
    ats = [created, working_at[:nc], converted_at, working_at[nc:][o_works], o_closed_at[o_closes]]
    ats.append(o_deleted_at[o_deleted])
    statuses = [0, 1, 2, 1, 3, -1]
    row = np.concatenate(rows)
    at = np.concatenate(ats)
    status = np.concatenate([np.full(len(r), s) for r, s in zip(rows, statuses, strict=True)])
    deleted = status == -1
    # A deletion keeps the status the lead had: closed if it closed, else working or open.
    prior = np.where(o_closes, 3, np.where(o_works, 1, 0))
    status[deleted] = prior[o_deleted]
    converted = status == 2
    source = conv[np.where(converted, row, 0)] if nc else np.zeros(len(row), dtype=np.int64)
    changing = {
        "Status": pick(pool(vocab.LEAD_STATUSES), status),
        "IsConverted": _bools(converted),
        "ConvertedDate": masked(date(at), converted),
        "ConvertedAccountId": masked(acc.ids.take(pa.array(source)), converted),
        "ConvertedContactId": masked(con.ids.take(pa.array(con.start[source])), converted),
        "ConvertedOpportunityId": masked(first_opp_ids.take(pa.array(source)), converted),
        "LastModifiedById": users.take(pa.array(owner[row])),
        "IsDeleted": _bools(deleted),
    }
    return History.build("Lead", "salesforce", LEAD_COLUMNS, static, row, at, changing)


def cases(
    ctx: Context, ref: Reference, block: int, chunk: int, acc: Accounts, con: Contacts
) -> tuple[History, np.ndarray]:
    """Cases of the block's accounts; also the contacts they reference."""
    rng = ctx.rng("Case", block, chunk)
    users = ref.user_ids
    counts = rng.poisson(CASES_PER_ACCOUNT[acc.type])
    account, _ = child_index(counts)
    n = len(account)
    ids = _ids(ctx, "Case", n)
    gaps = rng.exponential(120 * DAY, n).astype(np.int64) + DAY
    created = acc.created[account] + _cumulative(gaps, account)
    contact, found = available_contact(rng, con, account, created)
    owner = ref.owners_in(acc.country[account], created, rng)
    static = {
        "Id": ids,
        "CaseNumber": number_text(ctx.seq.number("CaseNumber", n), 8),
        "ContactId": masked(con.ids.take(pa.array(np.where(found, contact, 0))), found),
        "AccountId": acc.ids.take(pa.array(account)),
        "Type": pick(pool(vocab.CASE_TYPES), rng.integers(0, len(vocab.CASE_TYPES), n)),
        "Reason": pick(pool(vocab.CASE_REASONS), rng.integers(0, len(vocab.CASE_REASONS), n)),
        "Origin": pick(pool(vocab.CASE_ORIGINS), choice(rng, n, 3, (0.4, 0.4, 0.2))),
        "Subject": pick(pool(vocab.CASE_SUBJECTS), rng.integers(0, len(vocab.CASE_SUBJECTS), n)),
        "Priority": pick(pool(vocab.CASE_PRIORITIES), choice(rng, n, 3, (0.2, 0.5, 0.3))),
        "OwnerId": users.take(pa.array(owner)),
        "CreatedDate": ts(created),
        "CreatedById": users.take(pa.array(owner)),
    }
    # New → Working → (Escalated) → Closed; 1% are deleted after their last step.
    works = rng.random(n) < 0.92
    escalates = works & (rng.random(n) < 0.12)
    closes = works & (rng.random(n) < 0.9)
    work_at = created + rng.integers(HOUR, 3 * DAY, n)
    esc_at = work_at + rng.integers(HOUR, 5 * DAY, n)
    close_at = np.where(escalates, esc_at, work_at) + rng.exponential(6 * DAY, n).astype(np.int64) + HOUR
    deleted = rng.random(n) < 0.01
    last_at = np.where(closes, close_at, np.where(escalates, esc_at, np.where(works, work_at, created)))
    last_status = np.where(closes, 3, np.where(escalates, 2, np.where(works, 1, 0)))
    delete_at = last_at + rng.integers(DAY, 30 * DAY, n)
    parts = [
        (np.arange(n), created, 0),
        (np.flatnonzero(works), work_at[works], 1),
        (np.flatnonzero(escalates), esc_at[escalates], 2),
        (np.flatnonzero(closes), close_at[closes], 3),
        (np.flatnonzero(deleted), delete_at[deleted], -1),
    ]
    row = np.concatenate([p[0] for p in parts])
    at = np.concatenate([p[1] for p in parts])
    status = np.concatenate([np.full(len(p[0]), p[2]) for p in parts])
    is_deleted = status == -1
    status[is_deleted] = last_status[deleted]
    is_closed = status == 3
    changing = {
        "Status": pick(pool(vocab.CASE_STATUSES), status),
        "IsClosed": _bools(is_closed),
        "ClosedDate": masked(ts(close_at[row]), is_closed),
        "IsEscalated": _bools(escalates[row] & (at >= esc_at[row])),
        "LastModifiedById": users.take(pa.array(owner[row])),
        "IsDeleted": _bools(is_deleted),
    }
    columns = (
        "Id",
        "IsDeleted",
        "CaseNumber",
        "ContactId",
        "AccountId",
        "Type",
        "Status",
        "Reason",
        "Origin",
        "Subject",
        "Priority",
        "IsClosed",
        "ClosedDate",
        "IsEscalated",
        "OwnerId",
        *SF_SYSTEM,
    )
    return History.build("Case", "salesforce", columns, static, row, at, changing), contact[found]
