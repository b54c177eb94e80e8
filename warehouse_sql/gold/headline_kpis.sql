-- gold.headline_kpis: the figures a run reports first.
-- Grain: one row (the as-of date).
-- Inputs: gold.run_context, gold.dim_date, gold.deal_metrics, gold.sales_pipeline, gold.fact_invoice,
-- gold.low_stock_risk, gold.fact_sales_order_line.
-- Metrics:
--   bookings_this_quarter / bookings_last_quarter: Closed Won amount with a close date in the as-of date's
--   fiscal quarter / the one before (sales_pipeline's periods). won_amount / won_count, open_pipeline,
--   weighted_pipeline and the win rates: over all deals, as deal_metrics.sql defines them.
--   invoiced_revenue (net of tax), outstanding_receivables (tax included), past_due_receivables (outstanding
--   and past the due date).
--   stock_positions_at_risk: (sku, warehouse) pairs flagged by low_stock_risk. customers_exposed_to_stockout:
--   customers who ordered an at-risk sku from that warehouse in the 90 days ending on the as-of date.
-- @key as_of_date
-- @not_null fiscal_period bookings_this_quarter bookings_last_quarter won_amount open_pipeline weighted_pipeline
-- @not_null stock_positions_at_risk customers_exposed_to_stockout
with context as (
    select x.as_of_date, d.fiscal_period
    from gold.run_context as x
    inner join gold.dim_date as d on d.date_key = x.as_of_date
),

quarters as (
    select
        coalesce(sum(bookings) filter (where period = 'this_quarter'), 0) as bookings_this_quarter,
        coalesce(sum(bookings) filter (where period = 'last_quarter'), 0) as bookings_last_quarter
    from gold.sales_pipeline
),

deals as (
    select * from gold.deal_metrics where breakdown = 'all'
),

receivables as (
    select
        coalesce(sum(net_amount), 0) as invoiced_revenue,
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
    cast(q.bookings_this_quarter as numeric(18, 2)) as bookings_this_quarter,
    cast(q.bookings_last_quarter as numeric(18, 2)) as bookings_last_quarter,
    coalesce(d.won_count, 0) as won_count,
    coalesce(d.won_amount, 0) as won_amount,
    coalesce(d.open_pipeline, 0) as open_pipeline,
    coalesce(d.weighted_pipeline, 0) as weighted_pipeline,
    d.win_rate_by_count,
    d.win_rate_by_amount,
    cast(r.invoiced_revenue as numeric(18, 2)) as invoiced_revenue,
    cast(r.outstanding as numeric(18, 2)) as outstanding_receivables,
    cast(r.past_due as numeric(18, 2)) as past_due_receivables,
    (select count(*) from at_risk) as stock_positions_at_risk,
    e.customers as customers_exposed_to_stockout
from context as x
cross join quarters as q
cross join receivables as r
cross join exposed as e
left join deals as d on 1 = 1
