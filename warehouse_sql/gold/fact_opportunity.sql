-- gold.fact_opportunity: every deal, open or closed.
-- Grain: one row per live Opportunity.
-- Inputs: silver.opportunity, gold.dim_customer, gold.run_context.
-- status: won (IsWon), lost (IsClosed and not IsWon), open. amount: Amount, 0 when empty.
-- weighted_amount = amount * probability / 100 (so won deals weigh in full and lost ones not at all).
-- days_open: open deals only, as-of date - created date. days_to_close: closed deals only, close date -
-- created date (the sales cycle).
-- @key opportunity_id
-- @not_null opportunity_name stage_name status amount weighted_amount created_date close_date is_closed is_won
-- @references customer_key dim_customer.customer_key
-- @references owner_user_id dim_user.user_id
-- @references created_date dim_date.date_key
-- @references close_date dim_date.date_key
-- @accepted status won lost open
with opportunities as (
    select
        opportunity_id, account_id, owner_id, campaign_id, name, type, lead_source, stage_name, forecast_category,
        forecast_category_name, is_closed, is_won, amount, probability, close_date,
        cast(created_date as date) as created_date
    from silver.opportunity
    where not is_deleted
),

customers as (
    select customer_key, account_id from gold.dim_customer where account_id is not null
),

context as (
    select as_of_date from gold.run_context
)

select
    o.opportunity_id,
    c.customer_key,
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
    cast(coalesce(o.amount, 0) as numeric(18, 2)) as amount,
    coalesce(o.probability, 0) as probability,
    cast(coalesce(o.amount, 0) * coalesce(o.probability, 0) / 100 as numeric(18, 2)) as weighted_amount,
    o.created_date,
    o.close_date,
    case when not o.is_closed then x.as_of_date - o.created_date end as days_open,
    case when o.is_closed then o.close_date - o.created_date end as days_to_close
from opportunities as o
cross join context as x
left join customers as c on c.account_id = o.account_id
