-- gold.headline_kpis: the figures a run reports first.
-- Grain: one row (the as-of date).
-- Inputs: gold.run_context, gold.dim_date, gold.fact_opportunity, gold.fact_invoice, gold.low_stock_risk,
-- gold.fact_sales_order_line.
-- Metrics:
--   bookings_this_quarter / bookings_last_quarter: Closed Won amount with a close date in the as-of date's
--   fiscal quarter / the one before. won_amount / won_count: all Closed Won deals. open_pipeline and
--   weighted_pipeline (open amount * probability / 100). win_rate_by_count = won / (won + lost);
--   win_rate_by_amount the same by amount.
--   invoiced_revenue, outstanding_receivables, past_due_receivables (outstanding and past the due date).
--   stock_positions_at_risk: (sku, warehouse) pairs flagged by low_stock_risk. customers_exposed_to_stockout:
--   customers who ordered an at-risk sku from that warehouse in the 90 days ending on the as-of date.
-- @key as_of_date
-- @not_null fiscal_period bookings_this_quarter bookings_last_quarter won_amount open_pipeline weighted_pipeline
-- @not_null stock_positions_at_risk customers_exposed_to_stockout
with context as (
    select x.as_of_date, d.fiscal_period, d.fiscal_quarter_index
    from gold.run_context as x
    inner join gold.dim_date as d on d.date_key = x.as_of_date
),

deals as (
    select
        coalesce(sum(o.amount) filter (where o.status = 'won' and d.fiscal_quarter_index = x.fiscal_quarter_index), 0)
            as bookings_this_quarter,
        coalesce(
            sum(o.amount) filter (where o.status = 'won' and d.fiscal_quarter_index = x.fiscal_quarter_index - 1), 0
        ) as bookings_last_quarter,
        count(*) filter (where o.status = 'won') as won_count,
        count(*) filter (where o.status = 'lost') as lost_count,
        coalesce(sum(o.amount) filter (where o.status = 'won'), 0) as won_amount,
        coalesce(sum(o.amount) filter (where o.status = 'lost'), 0) as lost_amount,
        coalesce(sum(o.amount) filter (where o.status = 'open'), 0) as open_pipeline,
        coalesce(sum(o.weighted_amount) filter (where o.status = 'open'), 0) as weighted_pipeline
    from gold.fact_opportunity as o
    inner join gold.dim_date as d on d.date_key = o.close_date
    cross join context as x
),

receivables as (
    select
        coalesce(sum(amount), 0) as invoiced_revenue,
        coalesce(sum(outstanding_amount), 0) as outstanding,
        coalesce(sum(outstanding_amount) filter (where days_overdue > 0), 0) as past_due
    from gold.fact_invoice
),

at_risk as (
    select product_key, warehouse_code from gold.low_stock_risk where at_risk
),

exposed as (
    select count(distinct l.customer_key) as customers
    from gold.fact_sales_order_line as l
    inner join at_risk as r on r.product_key = l.product_key and r.warehouse_code = l.warehouse_code
    cross join context as x
    where l.order_date > x.as_of_date - 90 and l.order_date <= x.as_of_date
)

select
    x.as_of_date,
    x.fiscal_period,
    cast(d.bookings_this_quarter as numeric(18, 2)) as bookings_this_quarter,
    cast(d.bookings_last_quarter as numeric(18, 2)) as bookings_last_quarter,
    d.won_count,
    cast(d.won_amount as numeric(18, 2)) as won_amount,
    cast(d.open_pipeline as numeric(18, 2)) as open_pipeline,
    cast(d.weighted_pipeline as numeric(18, 2)) as weighted_pipeline,
    cast(cast(d.won_count as double precision) / nullif(d.won_count + d.lost_count, 0) as numeric(9, 4))
        as win_rate_by_count,
    cast(cast(d.won_amount as double precision) / nullif(d.won_amount + d.lost_amount, 0) as numeric(9, 4))
        as win_rate_by_amount,
    cast(r.invoiced_revenue as numeric(18, 2)) as invoiced_revenue,
    cast(r.outstanding as numeric(18, 2)) as outstanding_receivables,
    cast(r.past_due as numeric(18, 2)) as past_due_receivables,
    (select count(*) from at_risk) as stock_positions_at_risk,
    e.customers as customers_exposed_to_stockout
from context as x
cross join deals as d
cross join receivables as r
cross join exposed as e
