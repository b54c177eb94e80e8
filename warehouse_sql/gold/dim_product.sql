-- gold.dim_product: one product across both systems: the Salesforce Product2 and the ERP product with the same
-- code (Product2.ProductCode = products.sku).
-- Grain: one row per product code; a Product2 with no code keys on its Id.
-- Inputs: silver.product2, silver.products.
-- family/category: the ERP's where the ERP has the product, else Product2.Family (category Unknown).
-- @key product_key
-- @not_null product_name family category in_crm in_erp
-- @references supplier_id dim_supplier.supplier_id
with crm as (
    select product2_id, product_code, name, family, is_active
    from silver.product2
    where not is_deleted
),

erp as (
    select sku, product_name, family, category, unit_cost, list_price, supplier_id, is_stocked, weight_kg
    from silver.products
)

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
    e.sku is not null as in_erp
from crm as c
full outer join erp as e on e.sku = c.product_code
