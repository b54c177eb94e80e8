-- gold.low_stock_risk: what will run out of stock, per product and warehouse.
-- Grain: one row per (sku, warehouse) in gold.fact_inventory.
-- Inputs: gold.fact_inventory, gold.fact_inventory_movement, gold.fact_purchase_order_line, gold.dim_product,
-- gold.dim_supplier, gold.run_context.
-- Metrics:
--   quantity_available = on hand - allocated. demand_90d: units sold (sale movements) from this warehouse
--   in the 90 days ending on the as-of date; avg_daily_demand = demand_90d / 90.
--   days_of_cover = available / avg_daily_demand (null with no demand). lead_time_days: the supplier's.
--   open_po_quantity: ordered and not yet received on open purchase orders for this sku and warehouse.
--   projected_available = available + open_po_quantity.
--   below_reorder_point: projected_available <= reorder point. short_of_lead_time: projected_available
--   < avg_daily_demand * lead_time_days (it will not last until a new order arrives).
--   at_risk: either; risk_reason: below_reorder_point, short_of_lead_time or both.
-- @key product_key warehouse_code
-- @not_null quantity_available demand_90d open_po_quantity projected_available at_risk
-- @references product_key dim_product.product_key
-- @references warehouse_code dim_warehouse.warehouse_code
-- @accepted risk_reason below_reorder_point short_of_lead_time both
with context as (
    select as_of_date from gold.run_context
),

demand as (
    select m.product_key, m.warehouse_code, -sum(m.quantity) as units
    from gold.fact_inventory_movement as m
    cross join context as x
    where m.movement_type = 'sale' and m.movement_date > x.as_of_date - 90 and m.movement_date <= x.as_of_date
    group by m.product_key, m.warehouse_code
),

incoming as (
    select product_key, warehouse_code, sum(quantity_open) as quantity
    from gold.fact_purchase_order_line
    where quantity_open > 0
    group by product_key, warehouse_code
),

stock as (
    select
        i.product_key,
        i.warehouse_code,
        p.product_name,
        p.family,
        p.supplier_id,
        s.supplier_name,
        s.lead_time_days,
        i.quantity_on_hand,
        i.quantity_allocated,
        i.quantity_available,
        i.reorder_point,
        i.reorder_quantity,
        coalesce(d.units, 0) as demand_90d,
        coalesce(n.quantity, 0) as open_po_quantity,
        i.quantity_available + coalesce(n.quantity, 0) as projected_available
    from gold.fact_inventory as i
    left join gold.dim_product as p on p.product_key = i.product_key
    left join gold.dim_supplier as s on s.supplier_id = p.supplier_id
    left join demand as d on d.product_key = i.product_key and d.warehouse_code = i.warehouse_code
    left join incoming as n on n.product_key = i.product_key and n.warehouse_code = i.warehouse_code
),

flags as (
    select
        *,
        coalesce(projected_available <= reorder_point, false) as below_reorder_point,
        -- projected < demand_90d / 90 * lead time, kept in whole numbers so both engines decide alike
        coalesce(projected_available * 90 < demand_90d * lead_time_days, false) as short_of_lead_time
    from stock
)

select
    product_key,
    warehouse_code,
    product_name,
    family,
    supplier_id,
    supplier_name,
    quantity_on_hand,
    quantity_allocated,
    quantity_available,
    reorder_point,
    reorder_quantity,
    demand_90d,
    cast(cast(demand_90d as double precision) / 90 as numeric(12, 3)) as avg_daily_demand,
    cast(floor(cast(quantity_available as double precision) * 900 / nullif(demand_90d, 0) + 0.5) / 10 as numeric(12, 1))
        as days_of_cover,
    lead_time_days,
    open_po_quantity,
    projected_available,
    below_reorder_point,
    short_of_lead_time,
    below_reorder_point or short_of_lead_time as at_risk,
    case
        when below_reorder_point and short_of_lead_time then 'both'
        when below_reorder_point then 'below_reorder_point'
        when short_of_lead_time then 'short_of_lead_time'
    end as risk_reason
from flags
