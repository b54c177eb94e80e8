-- gold.deal_metrics: the deal metrics of the revenue marts, defined once, for every breakdown they show.
-- Grain: one row per breakdown value: per industry, per (region, country), per customer segment, per owner
-- and per owner's manager, and one row over all deals (breakdown = industry | geography | segment | owner |
-- manager | all; group_key names the value). Unknown where a deal has no account or the account no value;
-- none for an owner with no manager.
-- Inputs: gold.fact_opportunity, gold.dim_customer, gold.dim_geography, gold.dim_user.
-- Metrics (over live opportunities of any close date):
--   won_amount / won_count: Closed Won deals. lost_amount / lost_count: closed and not won.
--   open_count / open_pipeline: open deals and their amount. weighted_pipeline: open amount * probability / 100.
--   win_rate_by_count = won_count / (won_count + lost_count); win_rate_by_amount = won_amount / (won_amount
--   + lost_amount); both null with no closed deal. avg_deal_size = won_amount / won_count.
--   customers_with_deals: distinct customers with at least one deal. avg_days_to_close: the mean sales cycle
--   (close date - created date) of the won deals.
-- @key breakdown group_key
-- @not_null won_amount won_count lost_amount lost_count open_count open_pipeline weighted_pipeline
-- @accepted breakdown industry geography segment owner manager all
with deals as (
    select
        coalesce(c.industry, 'Unknown') as industry,
        coalesce(g.region, 'Unknown') as region,
        coalesce(g.country, 'Unknown') as country,
        coalesce(c.segment, 'Unknown') as segment,
        o.owner_user_id,
        coalesce(u.manager_id, 'none') as manager_id,
        o.customer_key,
        o.status,
        o.amount,
        o.weighted_amount,
        o.days_to_close
    from gold.fact_opportunity as o
    left join gold.dim_customer as c on c.customer_key = o.customer_key
    left join gold.dim_geography as g on g.geography_key = c.geography_key
    left join gold.dim_user as u on u.user_id = o.owner_user_id
),

-- The distinct customers of each group, apart from the other metrics and per breakdown: a distinct count inside
-- grouping sets makes PostgreSQL sort every deal once per set (0.74 s at scale 1, against 0.37 s this way).
customer_groups as (
    select distinct
        customer_key,
        industry,
        region || ' / ' || country as geography,
        segment,
        owner_user_id,
        manager_id
    from deals
    where customer_key is not null
),

customers as (
    select breakdown, group_key, count(*) as customers_with_deals
    from (
        select distinct 'industry' as breakdown, industry as group_key, customer_key from customer_groups
        union all
        select distinct 'geography', geography, customer_key from customer_groups
        union all
        select distinct 'segment', segment, customer_key from customer_groups
        union all
        select distinct 'owner', owner_user_id, customer_key from customer_groups
        union all
        select distinct 'manager', manager_id, customer_key from customer_groups
        union all
        select distinct 'all', 'all', customer_key from customer_groups
    ) as pairs
    group by breakdown, group_key
),

totals as (
    select
        case
            when grouping(industry) = 0 then 'industry'
            when grouping(segment) = 0 then 'segment'
            when grouping(owner_user_id) = 0 then 'owner'
            when grouping(manager_id) = 0 then 'manager'
            when grouping(region) = 0 then 'geography'
            else 'all'
        end as breakdown,
        case
            when grouping(industry) = 0 then industry
            when grouping(segment) = 0 then segment
            when grouping(owner_user_id) = 0 then owner_user_id
            when grouping(manager_id) = 0 then manager_id
            when grouping(region) = 0 then region || ' / ' || country
            else 'all'
        end as group_key,
        industry,
        region,
        country,
        segment,
        owner_user_id,
        manager_id,
        count(*) filter (where status = 'won') as won_count,
        coalesce(sum(amount) filter (where status = 'won'), 0) as won_amount,
        count(*) filter (where status = 'lost') as lost_count,
        coalesce(sum(amount) filter (where status = 'lost'), 0) as lost_amount,
        count(*) filter (where status = 'open') as open_count,
        coalesce(sum(amount) filter (where status = 'open'), 0) as open_pipeline,
        coalesce(sum(weighted_amount) filter (where status = 'open'), 0) as weighted_pipeline,
        avg(days_to_close) filter (where status = 'won') as avg_days_to_close
    from deals
    group by grouping sets ((industry), (region, country), (segment), (owner_user_id), (manager_id), ())
)

select
    t.breakdown,
    t.group_key,
    t.industry,
    t.region,
    t.country,
    t.segment,
    t.owner_user_id,
    t.manager_id,
    coalesce(c.customers_with_deals, 0) as customers_with_deals,
    t.won_count,
    cast(t.won_amount as numeric(18, 2)) as won_amount,
    t.lost_count,
    cast(t.lost_amount as numeric(18, 2)) as lost_amount,
    t.open_count,
    cast(t.open_pipeline as numeric(18, 2)) as open_pipeline,
    cast(t.weighted_pipeline as numeric(18, 2)) as weighted_pipeline,
    cast(cast(t.won_count as double precision) / nullif(t.won_count + t.lost_count, 0) as numeric(9, 4))
        as win_rate_by_count,
    cast(cast(t.won_amount as double precision) / nullif(t.won_amount + t.lost_amount, 0) as numeric(9, 4))
        as win_rate_by_amount,
    cast(t.won_amount / nullif(t.won_count, 0) as numeric(18, 2)) as avg_deal_size,
    cast(t.avg_days_to_close as numeric(9, 1)) as avg_days_to_close
from totals as t
left join customers as c on c.breakdown = t.breakdown and c.group_key is not distinct from t.group_key
