-- gold.demand_trend: what customers order, month by month, by product family and category.
-- Grain: one row per (order month, family, category) with at least one sales order line.
-- Inputs: gold.fact_sales_order_line, gold.dim_product, gold.dim_date.
-- Metrics: orders (distinct sales orders), units (quantity ordered), revenue (line totals).
-- *_mom_change = (this month - the month before) / the month before; *_yoy_change the same against the
-- month a year before; null when that month had no orders of the family and category.
-- @key order_month family category
-- @not_null year_month orders units revenue
-- @references order_month dim_date.date_key
with monthly as (
    select
        d.month_start as order_month,
        d.year_month,
        d.year * 12 + d.month as month_index,
        p.family,
        p.category,
        count(distinct l.so_number) as orders,
        sum(l.quantity) as units,
        sum(l.line_total) as revenue
    from gold.fact_sales_order_line as l
    inner join gold.dim_product as p on p.product_key = l.product_key
    inner join gold.dim_date as d on d.date_key = l.order_date
    group by d.month_start, d.year_month, d.year * 12 + d.month, p.family, p.category
)

select
    m.order_month,
    m.year_month,
    m.family,
    m.category,
    m.orders,
    m.units,
    cast(m.revenue as numeric(18, 2)) as revenue,
    cast(cast(m.units - pm.units as double precision) / nullif(pm.units, 0) as numeric(12, 4)) as units_mom_change,
    cast(cast(m.revenue - pm.revenue as double precision) / nullif(pm.revenue, 0) as numeric(12, 4))
        as revenue_mom_change,
    cast(cast(m.units - py.units as double precision) / nullif(py.units, 0) as numeric(12, 4)) as units_yoy_change,
    cast(cast(m.revenue - py.revenue as double precision) / nullif(py.revenue, 0) as numeric(12, 4))
        as revenue_yoy_change
from monthly as m
left join monthly as pm
    on pm.family = m.family and pm.category = m.category and pm.month_index = m.month_index - 1
left join monthly as py
    on py.family = m.family and py.category = m.category and py.month_index = m.month_index - 12
