-- gold.sales_pipeline: pipeline and bookings by stage, forecast category and close month.
-- Grain: one row per (stage, forecast category, close month) with at least one live opportunity.
-- Inputs: gold.fact_opportunity, gold.dim_date, gold.run_context.
-- Metrics: opportunities (all deals), open_count / pipeline (open amount), weighted_pipeline (open amount *
-- probability / 100), won_count / bookings (Closed Won amount), lost_count / lost_amount. avg_days_open: the
-- mean age of the open deals (as-of date - created date), empty where none is open.
-- period: the close month's fiscal quarter against the as-of date's: this_quarter, last_quarter, earlier
-- or later; filter on it for "this quarter" and "last quarter".
-- @key stage_name forecast_category close_month
-- @not_null fiscal_year fiscal_quarter fiscal_period period opportunities pipeline weighted_pipeline bookings
-- @references close_month dim_date.date_key
-- @accepted period this_quarter last_quarter earlier later
with deals as (
    select
        o.stage_name,
        o.forecast_category,
        d.month_start as close_month,
        d.year_month as close_year_month,
        d.fiscal_year,
        d.fiscal_quarter,
        d.fiscal_period,
        d.fiscal_quarter_index,
        o.status,
        o.amount,
        o.weighted_amount,
        case when o.status = 'open' then x.as_of_date - o.created_date end as days_open
    from gold.fact_opportunity as o
    cross join gold.run_context as x
    inner join gold.dim_date as d on d.date_key = o.close_date
),

current_quarter as (
    select d.fiscal_quarter_index
    from gold.run_context as x
    inner join gold.dim_date as d on d.date_key = x.as_of_date
),

totals as (
    select
        stage_name,
        coalesce(forecast_category, 'Unknown') as forecast_category,
        close_month,
        close_year_month,
        fiscal_year,
        fiscal_quarter,
        fiscal_period,
        fiscal_quarter_index,
        count(*) as opportunities,
        count(*) filter (where status = 'open') as open_count,
        coalesce(sum(amount) filter (where status = 'open'), 0) as pipeline,
        coalesce(sum(weighted_amount) filter (where status = 'open'), 0) as weighted_pipeline,
        count(*) filter (where status = 'won') as won_count,
        coalesce(sum(amount) filter (where status = 'won'), 0) as bookings,
        count(*) filter (where status = 'lost') as lost_count,
        coalesce(sum(amount) filter (where status = 'lost'), 0) as lost_amount,
        avg(days_open) as avg_days_open
    from deals
    group by
        stage_name, coalesce(forecast_category, 'Unknown'), close_month, close_year_month, fiscal_year,
        fiscal_quarter, fiscal_period, fiscal_quarter_index
)

select
    t.stage_name,
    t.forecast_category,
    t.close_month,
    t.close_year_month,
    t.fiscal_year,
    t.fiscal_quarter,
    t.fiscal_period,
    case
        when t.fiscal_quarter_index = q.fiscal_quarter_index then 'this_quarter'
        when t.fiscal_quarter_index = q.fiscal_quarter_index - 1 then 'last_quarter'
        when t.fiscal_quarter_index < q.fiscal_quarter_index then 'earlier'
        else 'later'
    end as period,
    t.opportunities,
    t.open_count,
    cast(t.pipeline as numeric(18, 2)) as pipeline,
    cast(t.weighted_pipeline as numeric(18, 2)) as weighted_pipeline,
    t.won_count,
    cast(t.bookings as numeric(18, 2)) as bookings,
    t.lost_count,
    cast(t.lost_amount as numeric(18, 2)) as lost_amount,
    cast(t.avg_days_open as numeric(9, 1)) as avg_days_open
from totals as t
cross join current_quarter as q
