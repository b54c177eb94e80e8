-- gold.fact_opportunity_line: the products on each deal.
-- Grain: one row per live OpportunityLineItem of a live Opportunity.
-- Inputs: silver.opportunity_line_item, gold.fact_opportunity, gold.dim_product.
-- product_key: through Product2 Id (product2_id), else the line's ProductCode. discount_amount = list price * quantity -
-- total price (0 when the list price is unknown).
-- @key opportunity_line_item_id
-- @not_null discount_amount
-- @references product_key dim_product.product_key
-- @references customer_key dim_customer.customer_key
-- @references close_date dim_date.date_key
-- @accepted status won lost open
-- @incremental silver.opportunity_line_item opportunity_line_item_id
-- @incremental silver.opportunity opportunity_id
-- @incremental gold.fact_opportunity opportunity_id reading customer_key owner_user_id status close_date
-- @incremental gold.dim_product product2_id reading product_key
with lines as (
    select
        opportunity_line_item_id, opportunity_id, product2_id, product_code, quantity, unit_price, list_price,
        total_price, service_date
    from silver.opportunity_line_item
    where not is_deleted
),

products as (
    select product_key, product2_id from gold.dim_product where product2_id is not null
),

opportunities as (
    select opportunity_id, customer_key, owner_user_id, status, close_date from gold.fact_opportunity
)

select
    l.opportunity_line_item_id,
    l.opportunity_id,
    coalesce(p.product_key, l.product_code) as product_key,
    l.product2_id,
    case when o.opportunity_id is not null then o.customer_key else 'unknown' end as customer_key,
    o.owner_user_id,
    o.status,
    o.close_date,
    l.service_date,
    l.quantity,
    l.unit_price,
    l.list_price,
    l.total_price,
    cast(coalesce(l.list_price * l.quantity - l.total_price, 0) as numeric(18, 2)) as discount_amount
from lines as l
left join opportunities as o on o.opportunity_id = l.opportunity_id
left join products as p on p.product2_id = l.product2_id
where not exists (select 1 from silver.opportunity as d where d.opportunity_id = l.opportunity_id and d.is_deleted)
