-- gold.supplier_performance: which supplier lets us down.
-- Grain: one row per supplier.
-- Inputs: gold.dim_supplier, gold.fact_purchase_order_line, gold.fact_sales_order_line, gold.dim_product.
-- Metrics (per purchase order unless said otherwise):
--   purchase_orders; received_orders: received in full or in part.
--   on_time_rate = received orders received on or before their expected date / received orders.
--   avg_lead_time_days and p90_lead_time_days: received date - order date over received orders
--   (p90: the continuous 90th percentile).
--   fill_rate = units received / units ordered, over the lines of received orders.
--   units_sold / units_returned: sales order lines of the supplier's products and their returns;
--   return_rate = units_returned / units_sold.
-- @key supplier_id
-- @not_null supplier_name purchase_orders received_orders units_sold units_returned
-- @references supplier_id dim_supplier.supplier_id
with orders as (
    select distinct po_number, supplier_id, received_date, lead_time_days, is_on_time
    from gold.fact_purchase_order_line
),

deliveries as (
    select
        supplier_id,
        count(*) as purchase_orders,
        count(received_date) as received_orders,
        count(*) filter (where is_on_time) as on_time_orders,
        avg(lead_time_days) as avg_lead_time_days,
        percentile_cont(0.9) within group (order by lead_time_days) as p90_lead_time_days
    from orders
    group by supplier_id
),

fill as (
    select supplier_id, sum(quantity_ordered) as ordered, sum(quantity_received) as received
    from gold.fact_purchase_order_line
    where received_date is not null
    group by supplier_id
),

sold as (
    select p.supplier_id, sum(l.quantity) as units_sold, sum(l.quantity_returned) as units_returned
    from gold.fact_sales_order_line as l
    inner join gold.dim_product as p on p.product_key = l.product_key
    where p.supplier_id is not null
    group by p.supplier_id
)

select
    s.supplier_id,
    s.supplier_name,
    s.country,
    s.lead_time_days as quoted_lead_time_days,
    coalesce(d.purchase_orders, 0) as purchase_orders,
    coalesce(d.received_orders, 0) as received_orders,
    cast(cast(d.on_time_orders as double precision) / nullif(d.received_orders, 0) as numeric(9, 4)) as on_time_rate,
    cast(d.avg_lead_time_days as numeric(9, 1)) as avg_lead_time_days,
    cast(d.p90_lead_time_days as numeric(9, 1)) as p90_lead_time_days,
    cast(cast(f.received as double precision) / nullif(f.ordered, 0) as numeric(9, 4)) as fill_rate,
    coalesce(u.units_sold, 0) as units_sold,
    coalesce(u.units_returned, 0) as units_returned,
    cast(cast(u.units_returned as double precision) / nullif(u.units_sold, 0) as numeric(9, 4)) as return_rate
from gold.dim_supplier as s
left join deliveries as d on d.supplier_id = s.supplier_id
left join fill as f on f.supplier_id = s.supplier_id
left join sold as u on u.supplier_id = s.supplier_id
