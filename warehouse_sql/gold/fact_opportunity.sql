-- gold.fact_opportunity: every deal, open or closed.
-- Grain: one row per live Opportunity.
-- Inputs: silver.opportunity, gold.dim_customer, gold.run_context, gold.currency_rate.
-- status: won (IsWon), lost (IsClosed and not IsWon), open.
-- currency: the deal's CurrencyIsoCode, else the reporting currency. amount_in_currency: Amount as the org
-- states it, 0 when empty. amount: in the reporting currency (gold.run_context): amount_in_currency divided
-- by the currency's rate (DatedConversionRate on the close date, else CurrencyType); empty when the org
-- gives no rate for that currency, so no figure ever sums two currencies (pipeline_by_currency has them
-- all as stated). A deal of a single-currency org (no CurrencyIsoCode) is in its one currency.
-- weighted_amount = amount * probability / 100 (so won deals weigh in full and lost ones not at all).
-- days_to_close: closed deals only, close date - created date (the sales cycle). Nothing here moves with the
-- as-of date by itself (an open deal's age is as-of date - created_date: gold.sales_pipeline has the mean per
-- row), so a day rewrites the deals it changed, not every open one. Only a deal without a close date converts at
-- the as-of date's rate.
-- @key opportunity_id
-- @not_null status amount_in_currency is_closed is_won
-- @references customer_key dim_customer.customer_key
-- @references owner_user_id dim_user.user_id
-- @references created_date dim_date.date_key
-- @references close_date dim_date.date_key
-- @accepted status won lost open
-- @incremental silver.opportunity opportunity_id
-- @incremental gold.dim_customer account_id reading customer_key
-- @incremental gold.run_context as_of_date where close_date is null
with opportunities as (
    select
        opportunity_id, account_id, owner_id, campaign_id, name, type, lead_source, stage_name, forecast_category,
        forecast_category_name, is_closed, is_won, amount, probability, close_date, currency_iso_code,
        cast(created_date as date) as created_date
    from silver.opportunity
    where not is_deleted
),

customers as (
    select customer_key, account_id from gold.dim_customer where account_id is not null
),

context as (
    select as_of_date, reporting_currency from gold.run_context
)

select
    o.opportunity_id,
    case when o.account_id is not null then coalesce(c.customer_key, 'unknown') end as customer_key,
    o.account_id,
    o.owner_id as owner_user_id,
    o.campaign_id,
    o.name as opportunity_name,
    o.type as opportunity_type,
    o.lead_source,
    o.stage_name,
    coalesce(o.forecast_category_name, o.forecast_category) as forecast_category,
    case when o.is_won then 'won' when o.is_closed then 'lost' else 'open' end as status,
    o.is_closed,
    o.is_won,
    coalesce(o.currency_iso_code, x.reporting_currency) as currency,
    cast(coalesce(o.amount, 0) as numeric(18, 2)) as amount_in_currency,
    cast(v.amount as numeric(18, 2)) as amount,
    coalesce(o.probability, 0) as probability,
    cast(v.amount * coalesce(o.probability, 0) / 100 as numeric(18, 2)) as weighted_amount,
    o.created_date,
    o.close_date,
    case when o.is_closed then o.close_date - o.created_date end as days_to_close
from opportunities as o
cross join context as x
-- the rate of the deal's currency on its close date (the first by priority): a lateral join, so `opportunities`
-- is read once and an update by key reads the deals it rewrites only (PostgreSQL inlines a CTE read once)
left join lateral (
    select r.conversion_rate
    from gold.currency_rate as r
    where
        r.iso_code = coalesce(o.currency_iso_code, x.reporting_currency)
        and coalesce(o.close_date, x.as_of_date) >= r.start_date
        and coalesce(o.close_date, x.as_of_date) < r.next_start_date
    order by r.priority
    limit 1
) as rate on true
cross join lateral (
    select
        case
            when coalesce(o.currency_iso_code, x.reporting_currency) is null then coalesce(o.amount, 0)
            else coalesce(o.amount, 0) / rate.conversion_rate
        end as amount
) as v
left join customers as c on c.account_id = o.account_id
