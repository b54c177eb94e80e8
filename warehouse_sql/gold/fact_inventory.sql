-- gold.fact_inventory: stock per product and warehouse as the ERP reports it.
-- Grain: one row per (sku, warehouse) in the ERP inventory snapshot.
-- Inputs: silver.inventory, silver.inventory_transactions.
-- available = on hand - allocated. movement_balance: the sum of every inventory transaction for the pair,
-- which must equal on hand (a test reconciles them).
-- @key product_key warehouse_code
-- @not_null quantity_on_hand quantity_allocated quantity_available movement_balance
-- @references product_key dim_product.product_key
-- @references warehouse_code dim_warehouse.warehouse_code
with inventory as (
    select sku, warehouse_code, quantity_on_hand, quantity_allocated, reorder_point, reorder_quantity
    from silver.inventory
),

movements as (
    select sku, warehouse_code, sum(quantity) as balance
    from silver.inventory_transactions
    group by sku, warehouse_code
)

select
    i.sku as product_key,
    i.warehouse_code,
    i.quantity_on_hand,
    coalesce(i.quantity_allocated, 0) as quantity_allocated,
    i.quantity_on_hand - coalesce(i.quantity_allocated, 0) as quantity_available,
    i.reorder_point,
    i.reorder_quantity,
    coalesce(m.balance, 0) as movement_balance
from inventory as i
left join movements as m on m.sku = i.sku and m.warehouse_code = i.warehouse_code
