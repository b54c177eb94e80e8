-- Reconciliation: stock on hand equals the sum of its movements, for every (sku, warehouse) on either side.
-- Returns each pair where they differ.
with movements as (
    select product_key, warehouse_code, sum(quantity) as balance
    from gold.fact_inventory_movement
    group by product_key, warehouse_code
)

select
    coalesce(i.product_key, m.product_key) as product_key,
    coalesce(i.warehouse_code, m.warehouse_code) as warehouse_code,
    i.quantity_on_hand,
    m.balance as movement_balance
from gold.fact_inventory as i
full outer join movements as m on m.product_key = i.product_key and m.warehouse_code = i.warehouse_code
where coalesce(i.quantity_on_hand, 0) <> coalesce(m.balance, 0)
