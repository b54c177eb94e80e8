-- gold.fact_purchase_order_line: what was bought from suppliers, and how the delivery went.
-- Grain: one row per ERP purchase order line.
-- Inputs: silver.purchase_order_lines, silver.purchase_orders.
-- received_date: the day the order was received (null while open). lead_time_days = received date - order
-- date. is_on_time: received on or before the expected date (null while not received).
-- quantity_open = ordered - received, for orders not fully received: stock still to come.
-- @key po_number line_number
-- @not_null product_key
-- @references supplier_id dim_supplier.supplier_id
-- @references warehouse_code dim_warehouse.warehouse_code
-- @references product_key dim_product.product_key
-- @references order_date dim_date.date_key
-- @references expected_date dim_date.date_key
-- @accepted status open partially_received received
with lines as (
    select po_number, line_number, sku, quantity_ordered, quantity_received, unit_cost, line_total
    from silver.purchase_order_lines
),

orders as (
    select
        po_number, supplier_id, warehouse_code, order_date, expected_date, currency, status,
        cast(received_at as date) as received_date
    from silver.purchase_orders
)

select
    l.po_number,
    l.line_number,
    o.supplier_id,
    o.warehouse_code,
    coalesce(l.sku, 'unknown') as product_key,
    o.order_date,
    o.expected_date,
    o.received_date,
    o.status,
    o.currency,
    l.quantity_ordered,
    coalesce(l.quantity_received, 0) as quantity_received,
    case when o.status = 'received' then 0 else l.quantity_ordered - coalesce(l.quantity_received, 0) end
        as quantity_open,
    l.unit_cost,
    l.line_total,
    o.received_date - o.order_date as lead_time_days,
    case when o.received_date is not null then o.received_date <= o.expected_date end as is_on_time
from lines as l
left join orders as o on o.po_number = l.po_number
