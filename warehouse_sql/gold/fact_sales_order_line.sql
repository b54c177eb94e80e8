-- gold.fact_sales_order_line: what customers ordered, line by line.
-- Grain: one row per ERP sales order line.
-- Inputs: silver.sales_order_lines, silver.sales_orders, silver.returns, gold.dim_customer.
-- quantity_returned / refund_amount: the line's returns. net_quantity = quantity - quantity_returned.
-- is_shipped: the order has shipped (its stock has left the warehouse).
-- @key so_number line_number
-- @not_null customer_key product_key quantity_returned refund_amount
-- @references customer_key dim_customer.customer_key
-- @references product_key dim_product.product_key
-- @references warehouse_code dim_warehouse.warehouse_code
-- @references order_date dim_date.date_key
-- @incremental silver.sales_order_lines so_number line_number
-- @incremental silver.sales_orders so_number
-- @incremental silver.returns so_number line_number
-- @incremental gold.dim_customer customer_number reading customer_key
with lines as (
    select so_number, line_number, sku, quantity, unit_price, line_total from silver.sales_order_lines
),

orders as (
    select so_number, customer_number, opportunity_id, order_date, warehouse_code, currency, status, shipped_at
    from silver.sales_orders
),

returned as (
    select so_number, line_number, sum(quantity) as quantity, sum(refund_amount) as refund_amount
    from silver.returns
    group by so_number, line_number
),

customers as (
    select customer_key, customer_number from gold.dim_customer where customer_number is not null
)

select
    l.so_number,
    l.line_number,
    coalesce(c.customer_key, 'unknown') as customer_key,
    o.customer_number,
    coalesce(l.sku, 'unknown') as product_key,
    o.warehouse_code,
    o.opportunity_id,
    o.order_date,
    cast(o.shipped_at as date) as shipped_date,
    o.status,
    o.shipped_at is not null as is_shipped,
    o.currency,
    l.quantity,
    l.unit_price,
    l.line_total,
    coalesce(r.quantity, 0) as quantity_returned,
    l.quantity - coalesce(r.quantity, 0) as net_quantity,
    cast(coalesce(r.refund_amount, 0) as numeric(18, 2)) as refund_amount
from lines as l
left join orders as o on o.so_number = l.so_number
left join customers as c on c.customer_number = o.customer_number
left join returned as r on r.so_number = l.so_number and r.line_number = l.line_number
