-- gold.fact_inventory_movement: every stock movement in and out of a warehouse.
-- Grain: one row per ERP inventory transaction.
-- Inputs: silver.inventory_transactions.
-- quantity: signed (receipts, returns and the opening balance in; sales out). movement_date: the day it was
-- recorded (created_at, UTC).
-- @key transaction_id
-- @not_null product_key warehouse_code movement_type movement_date quantity direction
-- @references product_key dim_product.product_key
-- @references warehouse_code dim_warehouse.warehouse_code
-- @references movement_date dim_date.date_key
-- @accepted direction in out
-- @incremental silver.inventory_transactions transaction_id
select
    transaction_id,
    sku as product_key,
    warehouse_code,
    transaction_type as movement_type,
    cast(created_at as date) as movement_date,
    quantity,
    case when quantity >= 0 then 'in' else 'out' end as direction,
    reference
from silver.inventory_transactions
