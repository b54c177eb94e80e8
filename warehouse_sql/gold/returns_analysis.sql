-- gold.returns_analysis: what comes back and why, by product and by customer.
-- Grain: one row per product and one per customer that bought anything (breakdown = product | customer;
-- group_key: the product key or the customer key).
-- Inputs: gold.fact_sales_order_line, gold.fact_return, gold.dim_product, gold.dim_customer.
-- Metrics: units_sold (quantity on sales order lines), returns (return records), units_returned,
-- refunded_amount, return_rate = units_returned / units_sold; returns per reason (defective, damaged,
-- wrong_item, not_needed, late_delivery, other for any other reason); top_reason: the reason with the most
-- returns (ties: alphabetical), null without returns.
-- @key breakdown group_key
-- @not_null name units_sold returns units_returned refunded_amount
-- @accepted breakdown product customer
with sold as (
    select 'product' as breakdown, product_key as group_key, sum(quantity) as units_sold
    from gold.fact_sales_order_line
    group by product_key
    union all
    select 'customer', customer_key, sum(quantity)
    from gold.fact_sales_order_line
    group by customer_key
),

returned as (
    select 'product' as breakdown, product_key as group_key, reason, quantity, refund_amount from gold.fact_return
    union all
    select 'customer', customer_key, reason, quantity, refund_amount from gold.fact_return
),

by_reason as (
    select breakdown, group_key, reason, count(*) as returns
    from returned
    group by breakdown, group_key, reason
),

top_reasons as (
    select
        breakdown,
        group_key,
        reason,
        row_number() over (partition by breakdown, group_key order by returns desc, reason) as position
    from by_reason
),

totals as (
    select
        breakdown,
        group_key,
        count(*) as returns,
        sum(quantity) as units_returned,
        sum(refund_amount) as refunded_amount,
        count(*) filter (where reason = 'defective') as defective,
        count(*) filter (where reason = 'damaged') as damaged,
        count(*) filter (where reason = 'wrong_item') as wrong_item,
        count(*) filter (where reason = 'not_needed') as not_needed,
        count(*) filter (where reason = 'late_delivery') as late_delivery,
        count(*) filter (
            where reason not in ('defective', 'damaged', 'wrong_item', 'not_needed', 'late_delivery')
        ) as other
    from returned
    group by breakdown, group_key
)

select
    s.breakdown,
    s.group_key,
    coalesce(p.product_name, c.customer_name) as name,
    s.units_sold,
    coalesce(t.returns, 0) as returns,
    coalesce(t.units_returned, 0) as units_returned,
    cast(coalesce(t.refunded_amount, 0) as numeric(18, 2)) as refunded_amount,
    cast(cast(coalesce(t.units_returned, 0) as double precision) / nullif(s.units_sold, 0) as numeric(9, 4))
        as return_rate,
    coalesce(t.defective, 0) as defective,
    coalesce(t.damaged, 0) as damaged,
    coalesce(t.wrong_item, 0) as wrong_item,
    coalesce(t.not_needed, 0) as not_needed,
    coalesce(t.late_delivery, 0) as late_delivery,
    coalesce(t.other, 0) as other,
    r.reason as top_reason
from sold as s
left join totals as t on t.breakdown = s.breakdown and t.group_key = s.group_key
left join top_reasons as r on r.breakdown = s.breakdown and r.group_key = s.group_key and r.position = 1
left join gold.dim_product as p on s.breakdown = 'product' and p.product_key = s.group_key
left join gold.dim_customer as c on s.breakdown = 'customer' and c.customer_key = s.group_key
