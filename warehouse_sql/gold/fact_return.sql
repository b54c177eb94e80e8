-- gold.fact_return: goods that came back.
-- Grain: one row per ERP return.
-- Inputs: silver.returns, gold.fact_sales_order_line.
-- @key return_number
-- @not_null product_key customer_key
-- @references customer_key dim_customer.customer_key
-- @references product_key dim_product.product_key
-- @references return_date dim_date.date_key
with returns as (
    select return_number, so_number, line_number, sku, quantity, reason, return_date, refund_amount, restocked
    from silver.returns
),

order_lines as (
    select so_number, line_number, customer_key, warehouse_code from gold.fact_sales_order_line
)

select
    r.return_number,
    r.so_number,
    r.line_number,
    coalesce(r.sku, 'unknown') as product_key,
    coalesce(o.customer_key, 'unknown') as customer_key,
    o.warehouse_code,
    r.return_date,
    r.quantity,
    coalesce(r.reason, 'unknown') as reason,
    r.refund_amount,
    coalesce(r.restocked, 0) = 1 as is_restocked
from returns as r
left join order_lines as o on o.so_number = r.so_number and o.line_number = r.line_number
