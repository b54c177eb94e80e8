-- gold.dim_product: one product across both systems: the Salesforce Product2 and the ERP product with the same
-- code (Product2.ProductCode = products.sku).
-- Grain: one row per product code; a Product2 with no code keys on its Id.
-- Inputs: silver.product2, silver.products.
-- family/category: the ERP's where the ERP has the product, else Product2.Family (category Unknown).
-- is_inferred: a product known only by the code ERP records point at (not in either product list), named
-- "Unknown product <code>"; and one `unknown` product for records with no code at all.
-- @key product_key
-- @not_null product_name family category in_crm in_erp is_inferred
-- @references supplier_id dim_supplier.supplier_id
with crm as (
    select product2_id, product_code, name, family, is_active
    from silver.product2
    where not is_deleted
),

erp as (
    select sku, product_name, family, category, unit_cost, list_price, supplier_id, is_stocked, weight_kg
    from silver.products
),

known as (
    select
        coalesce(e.sku, c.product_code, c.product2_id) as product_key,
        c.product2_id,
        e.sku,
        coalesce(e.product_name, c.name) as product_name,
        coalesce(e.family, c.family, 'Unknown') as family,
        coalesce(e.category, 'Unknown') as category,
        c.family as crm_family,
        e.list_price,
        e.unit_cost,
        e.list_price - e.unit_cost as unit_margin,
        e.supplier_id,
        coalesce(e.is_stocked, 0) = 1 as is_stocked,
        e.weight_kg,
        coalesce(c.is_active, false) as is_active_in_crm,
        c.product2_id is not null as in_crm,
        e.sku is not null as in_erp,
        false as is_inferred
    from crm as c
    full outer join erp as e on e.sku = c.product_code
),

pointed as (
    select sku from silver.sales_order_lines
    union select sku from silver.returns
    union select sku from silver.purchase_order_lines
    union select sku from silver.inventory
    union select sku from silver.inventory_transactions
    union select product_code from silver.opportunity_line_item
    union select 'unknown'
)

select * from known
union all
select
    p.sku, null, null,
    case when p.sku = 'unknown' then 'Unknown product' else 'Unknown product ' || p.sku end,
    'Unknown', 'Unknown', null, null, null, null, null, false, null, false, false, false, true
from pointed as p
where p.sku is not null and not exists (select 1 from known as k where k.product_key = p.sku)
