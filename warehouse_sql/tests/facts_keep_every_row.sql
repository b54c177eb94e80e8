-- Completeness: every fact has exactly one row per live silver record of its grain (no row lost or doubled
-- by a join; a record whose parent silver does not hold is kept), dim_customer one per xref row and its
-- `unknown` member. Returns each fact whose count differs.
with counts as (
    select 'fact_opportunity' as fact,
        (select count(*) from gold.fact_opportunity) as gold_rows,
        (select count(*) from silver.opportunity where not is_deleted) as silver_rows
    union all
    select 'fact_opportunity_line',
        (select count(*) from gold.fact_opportunity_line),
        (select count(*) from silver.opportunity_line_item as l
         where not l.is_deleted
           and not exists (select 1 from silver.opportunity as o where o.opportunity_id = l.opportunity_id
                           and o.is_deleted))
    union all
    select 'fact_sales_order_line',
        (select count(*) from gold.fact_sales_order_line), (select count(*) from silver.sales_order_lines)
    union all
    select 'fact_invoice', (select count(*) from gold.fact_invoice), (select count(*) from silver.invoices)
    union all
    select 'fact_inventory', (select count(*) from gold.fact_inventory), (select count(*) from silver.inventory)
    union all
    select 'fact_inventory_movement',
        (select count(*) from gold.fact_inventory_movement), (select count(*) from silver.inventory_transactions)
    union all
    select 'fact_purchase_order_line',
        (select count(*) from gold.fact_purchase_order_line), (select count(*) from silver.purchase_order_lines)
    union all
    select 'fact_return', (select count(*) from gold.fact_return), (select count(*) from silver.returns)
    union all
    select 'fact_case',
        (select count(*) from gold.fact_case), (select count(*) from silver."case" where not is_deleted)
    union all
    select 'dim_customer', (select count(*) from gold.dim_customer), (select count(*) + 1 from silver.customer_xref)
)

select fact, gold_rows, silver_rows
from counts
where gold_rows <> silver_rows
