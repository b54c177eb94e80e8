"""Campaigns, Opportunities and what hangs off them: line items, contact roles and stage history.

An opportunity walks a path of open stages and then closes won or lost (or stalls). Every step
is a version, so the snapshot shows its stage as of the cut, and OpportunityHistory has one row
per step. Amount is the sum of the line items, as Salesforce computes it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from fauxforce.generators import scenarios, shape, vocab
from fauxforce.generators.columns import (
    DAY,
    HOUR,
    child_index,
    choice,
    date,
    masked,
    midnight,
    money,
    pick,
    pool,
    ts,
    work_time,
)
from fauxforce.generators.context import BLOCK_DAYS, Context
from fauxforce.generators.crm import (
    SF_SYSTEM,
    Accounts,
    Contacts,
    Won,
    _bools,
    _const,
    _cumulative,
    _ids,
    available_contact,
)
from fauxforce.generators.reference import Reference
from fauxforce.generators.timeline import History, fields

OPPORTUNITY_MEAN_GAP_DAYS = 30.0
OPPORTUNITIES_PER_ACCOUNT = 8.0  # over an account's life; calibrated to ≈5 inside the reference year
TYPE_FACTOR = np.array([0.7, 1.25, 1.2, 1.2, 0.7, 0.7, 0.7])  # by Account Type, averages to 1
WIN_RATE_BUYING = 0.42
STALL_RATE = 0.07
CAMPAIGNS_AT_SCALE_1 = 120
DEAL_LABELS = ("Expansion", "New Fleet", "Renewal", "Pilot", "Service Contract", "Upgrade", "Replacement", "Rollout")
NEXT_STEPS = ("Discovery call", "Send proposal", "Technical demo", "Legal review", "Negotiate terms", "Site visit")

STAGE = pool([s[0] for s in vocab.STAGES])
PROBABILITY = np.array([s[1] for s in vocab.STAGES])
FORECAST = pool([s[2] for s in vocab.STAGES])
IS_CLOSED = np.array([s[3] for s in vocab.STAGES])
IS_WON = np.array([s[4] for s in vocab.STAGES])
OPPORTUNITY_COLUMNS = (
    *fields("Id IsDeleted AccountId IsPrivate Name Description StageName Amount Probability ExpectedRevenue"),
    *fields("TotalOpportunityQuantity CloseDate Type NextStep LeadSource IsClosed IsWon ForecastCategory"),
    *fields("ForecastCategoryName CampaignId HasOpportunityLineItem Pricebook2Id OwnerId"),
    *SF_SYSTEM,
    *fields("LastStageChangeDate FiscalQuarter FiscalYear DealSize__c ProductInterest__c Budget__c Timeline__c"),
)


def campaigns(ctx: Context, ref: Reference, block: int, chunk: int) -> tuple[History, np.ndarray]:
    rng = ctx.rng("Campaign", block, chunk)
    n = ctx.spec.block_count(CAMPAIGNS_AT_SCALE_1, block) if chunk == 0 else 0
    ids = _ids(ctx, "Campaign", n)
    created = np.sort(work_time(rng, ctx.spec.block_start(block) + rng.integers(0, BLOCK_DAYS, n) * DAY))
    starts = created + rng.integers(7, 30, n) * DAY
    ends = starts + rng.integers(14, 90, n) * DAY
    kind = rng.integers(0, len(vocab.CAMPAIGN_TYPES), n)
    budget = rng.integers(20, 400, n) * 10_000
    owner = ref.owners_in(np.zeros(n, dtype=np.int64), created, rng)
    quarter = pa.array(
        ((created // DAY).astype("datetime64[D]").astype("datetime64[M]").astype(str)).tolist(), type=pa.string()
    )
    static = {
        "Id": ids,
        "Name": pc.binary_join_element_wise(pick(pool(vocab.CAMPAIGN_TYPES), kind), quarter, " "),
        "Type": pick(pool(vocab.CAMPAIGN_TYPES), kind),
        "StartDate": date(starts),
        "EndDate": date(ends),
        "BudgetedCost": money(budget),
        "ExpectedRevenue": money(budget * rng.integers(3, 12, n)),
        "NumberSent": pa.array(rng.integers(100, 20_000, n)),
        "IsActive": _bools(np.ones(n, dtype=bool)),
        "OwnerId": ref.user_ids.take(pa.array(owner)),
        "CreatedDate": ts(created),
        "CreatedById": ref.user_ids.take(pa.array(owner)),
    }
    row = np.concatenate([np.arange(n)] * 3)
    at = np.concatenate([created, starts, ends])
    status = np.repeat(np.arange(3), n)
    actual = np.where(status == 2, (np.tile(budget, 3) * rng.uniform(0.7, 1.2, 3 * n)).astype(np.int64), 0)
    changing = {
        "Status": pick(pool(vocab.CAMPAIGN_STATUSES), status),
        "ActualCost": masked(money(actual), status == 2),
        "LastModifiedById": ref.user_ids.take(pa.array(np.concatenate([owner] * 3))),
        "IsDeleted": _bools(np.zeros(3 * n, dtype=bool)),
    }
    columns = (
        "Id",
        "IsDeleted",
        "Name",
        "Type",
        "Status",
        "StartDate",
        "EndDate",
        "BudgetedCost",
        "ActualCost",
        "ExpectedRevenue",
        "NumberSent",
        "IsActive",
        "OwnerId",
        *SF_SYSTEM,
    )
    return History.build("Campaign", "salesforce", columns, static, row, at, changing), created


@dataclass(frozen=True)
class _Deals:
    """One block's opportunities: their accounts, Ids, creation times and the lines and stages drawn for them."""

    account: np.ndarray  # per opportunity: index into the block's accounts
    rank: np.ndarray  # per opportunity: its place among its account's opportunities
    counts: np.ndarray  # per account: how many opportunities it has
    ids: pa.Array
    created: np.ndarray
    owner: np.ndarray  # per opportunity: index into the users

    @property
    def n(self) -> int:
        return len(self.account)


@dataclass(frozen=True)
class _Lines:
    """Line items: products weighted by popularity; quantities grow with the account's size."""

    per_opportunity: np.ndarray
    opportunity: np.ndarray  # per line: index into the opportunities
    number: np.ndarray  # per line: its place in its opportunity
    product: np.ndarray
    quantity: np.ndarray
    discount: np.ndarray  # percent
    list_cents: np.ndarray
    unit: np.ndarray
    total: np.ndarray
    amount: np.ndarray  # per opportunity: the sum of its lines, as Salesforce computes Amount
    total_quantity: np.ndarray  # per opportunity


@dataclass(frozen=True)
class _Stages:
    """Each opportunity's outcome and its path of stages, one version per step."""

    won: np.ndarray
    cycle: np.ndarray
    close_at: np.ndarray
    v_opp: np.ndarray  # per version: index into the opportunities
    stage: np.ndarray  # per version: index into STAGES
    v_at: np.ndarray


@dataclass(frozen=True)
class _Versions:
    """What the Opportunity's versions and its OpportunityHistory rows share."""

    owner: np.ndarray  # per opportunity: index into the users
    owner_ids: pa.Array  # per version
    stage_names: pa.Array
    forecast: pa.Array
    probability: np.ndarray
    amount: np.ndarray
    expected: np.ndarray
    close_date: pa.Array


def opportunities(
    ctx: Context,
    ref: Reference,
    block: int,
    chunk: int,
    acc: Accounts,
    con: Contacts,
    campaign: tuple[pa.Array, np.ndarray],
) -> tuple[list[History], Won, np.ndarray, pa.Array]:
    """Opportunities with their children; also the contacts they reference and the first opp per account.

    The steps draw from one random stream in a fixed order; keep it so the same seed gives the same org.
    """
    rng = ctx.rng("Opportunity", block, chunk)
    deals = _draw_deals(ctx, rng, ref, acc)
    lines = _draw_lines(rng, ref, acc, deals)
    stages = _draw_stages(rng, ref, acc, deals, ctx.planted)
    opp, versions = _opportunity(rng, ref, acc, deals, lines, stages, campaign)
    history = _stage_history(ctx, deals, stages, versions)
    items = _line_items(ctx, ref, deals, lines, stages, versions)
    roles, contact = _contact_roles(ctx, rng, ref, con, deals, versions)
    return [opp, history, items, roles], _won(deals, lines, stages), contact, _first_opportunity(deals)


def _draw_deals(ctx: Context, rng: np.random.Generator, ref: Reference, acc: Accounts) -> _Deals:
    often = shape.frequency(acc.wallet)  # more deals, closer together: the account's life spans the same time
    counts = rng.poisson(OPPORTUNITIES_PER_ACCOUNT * TYPE_FACTOR[acc.type] * often)
    counts = np.where(acc.from_lead, np.maximum(counts, 1), counts)
    account, rank = child_index(counts)
    n = len(account)
    ids = _ids(ctx, "Opportunity", n)
    gap_days = rng.exponential(OPPORTUNITY_MEAN_GAP_DAYS / often[account], n)
    gaps = (gap_days * DAY).astype(np.int64) + HOUR
    # A converted lead brings its first opportunity within minutes of the account.
    gaps = np.where((rank == 0) & acc.from_lead[account], rng.integers(60, 600, n), gaps)
    created = acc.created[account] + _cumulative(gaps, account)
    owner = np.where(rng.random(n) < 0.9, acc.owner[account], ref.owners_in(acc.country[account], created, rng))
    owner = ref.in_post(owner, created)  # a deal opened after its account's rep left is her successor's
    return _Deals(account, rank, counts, ids, created, owner)


def _draw_lines(rng: np.random.Generator, ref: Reference, acc: Accounts, deals: _Deals) -> _Lines:
    n = deals.n
    n_lines = np.minimum(1 + rng.poisson(1.3, n), 6)
    line_opp, line_no = child_index(n_lines)
    nl = len(line_opp)
    weights = ref.popularity[: ref.n_sf_products]
    product = choice(rng, nl, ref.n_sf_products, weights)
    buyer = deals.account[line_opp]
    size = np.maximum(0.2, np.log10(acc.employees[buyer]) * 1.5)
    region = shape.REGION_OF_COUNTRY[acc.country[buyer]]
    units = (
        shape.SEGMENT_UNITS[acc.segment[buyer]] * shape.REGION_UNITS[region] * shape.INDUSTRY_UNITS[acc.industry[buyer]]
    )
    quantity = 1 + rng.poisson(size * units * acc.wallet[buyer])
    discount = np.where(rng.random(nl) < 0.5, rng.integers(0, 21, nl), 0)
    list_cents = ref.list_price(product, deals.created[line_opp])  # the price book's price when the deal opens
    unit = list_cents * (100 - discount) // 100
    total = unit * quantity
    amount = np.bincount(line_opp, weights=total, minlength=n).astype(np.int64)
    total_qty = np.bincount(line_opp, weights=quantity, minlength=n).astype(np.int64)
    return _Lines(n_lines, line_opp, line_no, product, quantity, discount, list_cents, unit, total, amount, total_qty)


def _quarter_end_rush(rng: np.random.Generator, won: np.ndarray, close_at: np.ndarray) -> np.ndarray:
    """Won deals bunch at quarter end: a share of them closes in the last two weeks of its quarter instead."""
    q_end = shape.quarter_end(close_at)
    year_end = close_at.astype("datetime64[s]").astype("datetime64[M]").astype(np.int64) % 12 >= 9
    pull = won & (rng.random(len(won)) < np.where(year_end, shape.YEAR_END_PULL, shape.QUARTER_END_PULL))
    rushed = (
        q_end - rng.integers(0, shape.QUARTER_END_DAYS, len(won)) * DAY + rng.integers(9 * HOUR, 19 * HOUR, len(won))
    )
    return np.where(pull & (rushed > close_at), rushed, close_at)


def _draw_stages(
    rng: np.random.Generator, ref: Reference, acc: Accounts, deals: _Deals, planted: tuple[scenarios.Effect, ...]
) -> _Stages:
    n, created = deals.n, deals.created
    account = deals.account
    buying = np.isin(acc.type, list(vocab.BUYING_TYPES))
    region = shape.REGION_OF_COUNTRY[acc.country[account]]
    segment, industry = acc.segment[account], acc.industry[account]
    win_rate = WIN_RATE_BUYING * shape.SEGMENT_WIN[segment] * shape.REGION_WIN[region] * shape.INDUSTRY_WIN[industry]
    tenure = created - ref.user_created[deals.owner]  # a new rep wins less while she ramps up
    win_rate = np.minimum(win_rate * ref.skill[deals.owner] * shape.ramp(tenure), shape.MAX_WIN_RATE)
    for e in planted:  # a win-rate drop: the same draws against a lower probability; nothing else changes
        if isinstance(e, scenarios.WinRateDrop):
            assert e.region is not None and e.start is not None
            after = created >= midnight(e.start)
            before = created < midnight(e.end) if e.end is not None else True
            hit = (region == shape.REGIONS.index(e.region)) & after & before
            win_rate = np.where(hit, np.maximum(win_rate - e.points, 0.0), win_rate)
    won = buying[account] & (rng.random(n) < win_rate)
    stall = ~won & (rng.random(n) < STALL_RATE)
    pace = shape.SEGMENT_CYCLE[segment] * shape.REGION_CYCLE[region] * shape.INDUSTRY_CYCLE[industry]
    cycle = (rng.lognormal(np.log(np.where(won, 55, 35) * pace), 0.6) * DAY).astype(np.int64) + DAY
    close_at = _quarter_end_rush(rng, won, created + cycle)
    won &= close_at < acc.churned_at[account]  # a churned customer's deals closing from then on are lost
    cycle = close_at - created
    k = np.where(won, rng.integers(2, 6, n), rng.integers(1, 5, n))  # open stages visited
    keys = rng.random((n, vocab.N_OPEN_STAGES - 1))
    extra = np.argsort(keys, axis=1) + 1
    extra = np.where(np.arange(vocab.N_OPEN_STAGES - 1) < (k - 1)[:, None], extra, 99)
    extra.sort(axis=1)
    steps = k + np.where(stall, 0, 1)
    v_opp, v_rank = child_index(steps)
    stage = np.where(v_rank == 0, 0, extra[v_opp, np.maximum(v_rank - 1, 0)])
    closing = v_rank == k[v_opp]
    stage = np.where(closing, np.where(won[v_opp], vocab.CLOSED_WON, vocab.CLOSED_LOST), stage)
    frac = np.sort(rng.uniform(0.05, 0.9, (n, vocab.N_OPEN_STAGES)), axis=1)
    v_at = created[v_opp] + (frac[v_opp, np.maximum(v_rank - 1, 0)] * cycle[v_opp]).astype(np.int64)
    v_at = np.where(v_rank == 0, created[v_opp], v_at)
    v_at = np.where(closing, close_at[v_opp], v_at)
    return _Stages(won, cycle, close_at, v_opp, stage, v_at)


def _opportunity(
    rng: np.random.Generator,
    ref: Reference,
    acc: Accounts,
    deals: _Deals,
    lines: _Lines,
    stages: _Stages,
    campaign: tuple[pa.Array, np.ndarray],
) -> tuple[History, _Versions]:
    n, account, created, users = deals.n, deals.account, deals.created, ref.user_ids
    stage, v_opp, amount = stages.stage, stages.v_opp, lines.amount
    close_date = date(stages.close_at)
    v_prob = PROBABILITY[stage]
    owner = deals.owner
    close_dt = stages.close_at.astype("datetime64[s]")
    year = close_dt.astype("datetime64[Y]").astype(np.int64) + 1970
    quarter = (close_dt.astype("datetime64[M]").astype(np.int64) % 12) // 3 + 1
    versions = _Versions(
        owner=owner,
        owner_ids=users.take(pa.array(owner[v_opp])),
        stage_names=pick(STAGE, stage),
        forecast=pick(FORECAST, stage),
        probability=v_prob,
        amount=amount[v_opp],
        expected=amount[v_opp] * v_prob // 100,
        close_date=close_date.take(pa.array(v_opp)),
    )

    camp_ids, camp_created = campaign
    available = np.searchsorted(camp_created, created, side="right")
    use_campaign = (available > 0) & (rng.random(n) < 0.3)
    camp_idx = (rng.random(n) * np.maximum(available, 1)).astype(np.int64)
    first_product = lines.product[np.cumsum(lines.per_opportunity) - lines.per_opportunity]
    deal = np.select([amount < 2_500_000, amount < 10_000_000, amount < 50_000_000], [0, 1, 2], 3)
    names = pc.binary_join_element_wise(
        acc.name.take(pa.array(account)), pick(pool(DEAL_LABELS), rng.integers(0, len(DEAL_LABELS), n)), " - "
    )
    opp_type = np.where(deals.rank == 0, 0, rng.integers(1, 4, n))
    campaign_ids = (
        masked(camp_ids.take(pa.array(np.minimum(camp_idx, max(len(camp_ids) - 1, 0)))), use_campaign)
        if len(camp_ids)
        else pa.nulls(n, pa.string())
    )
    static = {
        "Id": deals.ids,
        "AccountId": acc.ids.take(pa.array(account)),
        "IsPrivate": _bools(np.zeros(n, dtype=bool)),
        "Name": names,
        "Description": masked(pick(pool(NEXT_STEPS), rng.integers(0, len(NEXT_STEPS), n)), rng.random(n) < 0.2),
        "Amount": money(amount),
        "TotalOpportunityQuantity": pa.array(lines.total_quantity.astype(np.float64)),
        "CloseDate": close_date,
        "Type": pick(pool(vocab.OPPORTUNITY_TYPES), opp_type),
        "LeadSource": pick(pool(vocab.SOURCES), rng.integers(0, len(vocab.SOURCES), n)),
        "CampaignId": campaign_ids,
        "HasOpportunityLineItem": _bools(np.ones(n, dtype=bool)),
        "Pricebook2Id": _const(ref.pricebook_id, n),
        "OwnerId": users.take(pa.array(owner)),
        "CreatedDate": ts(created),
        "CreatedById": users.take(pa.array(owner)),
        "FiscalQuarter": pa.array(quarter),
        "FiscalYear": pa.array(year),
        "DealSize__c": pick(pool(vocab.DEAL_SIZES), deal),
        "ProductInterest__c": pick(pool(vocab.PRODUCT_FAMILIES), ref.family[first_product]),
        "Budget__c": money(amount * rng.integers(80, 150, n) // 100 // 100 * 100),
        "Timeline__c": pick(pool(vocab.TIMELINES), rng.integers(0, len(vocab.TIMELINES), n)),
    }
    changing = {
        "StageName": versions.stage_names,
        "Probability": pa.array(v_prob.astype(np.float64)),
        "ExpectedRevenue": money(versions.expected),
        "IsClosed": _bools(IS_CLOSED[stage]),
        "IsWon": _bools(IS_WON[stage]),
        "ForecastCategory": versions.forecast,
        "ForecastCategoryName": versions.forecast,
        "NextStep": pick(pool(NEXT_STEPS), np.minimum(stage, len(NEXT_STEPS) - 1)),
        "LastStageChangeDate": ts(stages.v_at),
        "LastModifiedById": versions.owner_ids,
        "IsDeleted": _bools(np.zeros(len(v_opp), dtype=bool)),
    }
    opp = History.build("Opportunity", "salesforce", OPPORTUNITY_COLUMNS, static, v_opp, stages.v_at, changing)
    return opp, versions


def _stage_history(ctx: Context, deals: _Deals, stages: _Stages, versions: _Versions) -> History:
    """OpportunityHistory: one row per step, written when the step happens."""
    nh = len(stages.v_opp)
    return History.created_only(
        "OpportunityHistory",
        "salesforce",
        fields(
            "Id OpportunityId CreatedById CreatedDate StageName Amount ExpectedRevenue CloseDate Probability "
            "ForecastCategory SystemModstamp IsDeleted"
        ),
        {
            "Id": _ids(ctx, "OpportunityHistory", nh),
            "OpportunityId": deals.ids.take(pa.array(stages.v_opp)),
            "CreatedById": versions.owner_ids,
            "CreatedDate": ts(stages.v_at),
            "StageName": versions.stage_names,
            "Amount": money(versions.amount),
            "ExpectedRevenue": money(versions.expected),
            "CloseDate": versions.close_date,
            "Probability": pa.array(versions.probability.astype(np.float64)),
            "ForecastCategory": versions.forecast,
            "IsDeleted": _bools(np.zeros(nh, dtype=bool)),
        },
        stages.v_at,
    )


def _line_items(
    ctx: Context, ref: Reference, deals: _Deals, lines: _Lines, stages: _Stages, versions: _Versions
) -> History:
    line_opp, product, nl = lines.opportunity, lines.product, len(lines.opportunity)
    line_created = deals.created[line_opp]
    line_by = ref.user_ids.take(pa.array(versions.owner[line_opp]))
    discount = lines.discount
    return History.created_only(
        "OpportunityLineItem",
        "salesforce",
        fields(
            "Id OpportunityId SortOrder PricebookEntryId Product2Id ProductCode Name Quantity TotalPrice "
            "UnitPrice ListPrice ServiceDate Description IsDeleted CreatedDate CreatedById LastModifiedDate "
            "LastModifiedById SystemModstamp"
        ),
        {
            "Id": _ids(ctx, "OpportunityLineItem", nl),
            "OpportunityId": deals.ids.take(pa.array(line_opp)),
            "SortOrder": pa.array(lines.number + 1),
            "PricebookEntryId": ref.entry_ids.take(pa.array(product)),
            "Product2Id": ref.product_ids.take(pa.array(product)),
            "ProductCode": ref.skus.take(pa.array(product)),
            "Name": ref.product_names.take(pa.array(product)),
            "Quantity": pa.array(lines.quantity.astype(np.float64)),
            "TotalPrice": money(lines.total),
            "UnitPrice": money(lines.unit),
            "ListPrice": money(lines.list_cents),
            "ServiceDate": date(stages.close_at[line_opp]),
            "Description": masked(
                pa.array([f"{d}% discount" for d in discount.tolist()], type=pa.string()), discount > 0
            ),
            "IsDeleted": _bools(np.zeros(nl, dtype=bool)),
            "CreatedDate": ts(line_created),
            "CreatedById": line_by,
            "LastModifiedById": line_by,
        },
        line_created,
    )


def _contact_roles(
    ctx: Context, rng: np.random.Generator, ref: Reference, con: Contacts, deals: _Deals, versions: _Versions
) -> tuple[History, np.ndarray]:
    """Contact roles: contacts of the account that exist when the opportunity is created."""
    created = deals.created
    n_roles = np.minimum(rng.poisson(1.1, deals.n), 3)
    role_opp, role_rank = child_index(n_roles)
    contact, found = available_contact(rng, con, deals.account[role_opp], created[role_opp])
    pair = role_opp.astype(np.int64) * (len(con.created) + 1) + contact
    _, first_of_pair = np.unique(pair, return_index=True)
    keep = found & np.isin(np.arange(len(pair)), first_of_pair)
    role_opp, contact, role_rank = role_opp[keep], contact[keep], role_rank[keep]
    nr = len(role_opp)
    primary = np.r_[True, role_opp[1:] != role_opp[:-1]] if nr else np.zeros(0, dtype=bool)
    role_created = created[role_opp] + rng.integers(60, 2 * HOUR, nr)
    role_by = ref.user_ids.take(pa.array(versions.owner[role_opp]))
    roles = History.created_only(
        "OpportunityContactRole",
        "salesforce",
        ("Id", "OpportunityId", "ContactId", "Role", "IsPrimary", *SF_SYSTEM, "IsDeleted"),
        {
            "Id": _ids(ctx, "OpportunityContactRole", nr),
            "OpportunityId": deals.ids.take(pa.array(role_opp)),
            "ContactId": con.ids.take(pa.array(contact)),
            "Role": pick(pool(vocab.CONTACT_ROLES), rng.integers(0, len(vocab.CONTACT_ROLES), nr)),
            "IsPrimary": _bools(primary),
            "CreatedDate": ts(role_created),
            "CreatedById": role_by,
            "LastModifiedById": role_by,
            "IsDeleted": _bools(np.zeros(nr, dtype=bool)),
        },
        role_created,
    )
    return roles, contact


def _won(deals: _Deals, lines: _Lines, stages: _Stages) -> Won:
    won = stages.won
    won_idx = np.flatnonzero(won)
    won_pos = np.full(deals.n, -1)
    won_pos[won_idx] = np.arange(len(won_idx))
    won_lines = np.flatnonzero(won[lines.opportunity])
    return Won(
        opportunity_ids=deals.ids.take(pa.array(won_idx)),
        account=deals.account[won_idx],
        closed_at=stages.close_at[won_idx],
        line_opportunity=won_pos[lines.opportunity[won_lines]],
        line_product=lines.product[won_lines],
        line_quantity=lines.quantity[won_lines],
        line_unit_cents=lines.unit[won_lines],
    )


def _first_opportunity(deals: _Deals) -> pa.Array:
    """Per account, the Id of its first opportunity (null for an account without one)."""
    counts, ids = deals.counts, deals.ids
    first_opp = np.full(len(counts), -1)
    has = counts > 0
    first_opp[has] = (np.cumsum(counts) - counts)[has]
    return masked(ids.take(pa.array(np.maximum(first_opp, 0))), has) if deals.n else pa.nulls(len(has), pa.string())
