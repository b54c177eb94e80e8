-- gold.customer_360: everything about each customer on one row, CRM and ERP side by side.
-- Grain: one row per unified customer (gold.dim_customer).
-- Inputs: gold.dim_customer, gold.dim_contact, gold.fact_opportunity, gold.fact_sales_order_line,
-- gold.fact_invoice, gold.fact_return, gold.fact_case, gold.run_context.
-- Metrics:
--   contacts: live contacts. won_amount / won_count: Closed Won deals. open_pipeline: open deal amount.
--   order_count: ERP sales orders; first/last_order_date; days_since_last_order = as-of date - last order.
--   invoiced_revenue: invoice amounts net of tax (fact_invoice.net_amount), comparable with won_amount.
--   outstanding_receivables: invoice amount (tax included: what the customer owes) - payments.
--   returns / returned_units / refunded_amount: ERP returns. open_cases: cases not closed.
--   lifetime_value_tier by invoiced revenue among customers with any: platinum (top 10%), gold (next 20%),
--   silver (next 30%), bronze (the rest); none without invoiced revenue.
-- @key customer_key
-- @not_null customer_name contacts won_amount won_count open_pipeline order_count invoiced_revenue
-- @not_null outstanding_receivables returns open_cases lifetime_value_tier
-- @references customer_key dim_customer.customer_key
-- @accepted lifetime_value_tier platinum gold silver bronze none
with contacts as (
    select customer_key, count(*) as contacts
    from gold.dim_contact
    where customer_key is not null
    group by customer_key
),

deals as (
    select
        customer_key,
        count(*) filter (where status = 'won') as won_count,
        coalesce(sum(amount) filter (where status = 'won'), 0) as won_amount,
        coalesce(sum(amount) filter (where status = 'open'), 0) as open_pipeline
    from gold.fact_opportunity
    where customer_key is not null
    group by customer_key
),

orders as (
    select customer_key, count(distinct so_number) as order_count, min(order_date) as first_order_date,
        max(order_date) as last_order_date
    from gold.fact_sales_order_line
    group by customer_key
),

invoices as (
    select customer_key, sum(net_amount) as invoiced_revenue, sum(outstanding_amount) as outstanding_receivables
    from gold.fact_invoice
    group by customer_key
),

returns as (
    select customer_key, count(*) as returns, sum(quantity) as returned_units, sum(refund_amount) as refunded_amount
    from gold.fact_return
    group by customer_key
),

cases as (
    select customer_key, count(*) filter (where not is_closed) as open_cases, count(*) as cases
    from gold.fact_case
    where customer_key is not null
    group by customer_key
),

tiers as (
    select
        customer_key,
        cume_dist() over (order by invoiced_revenue desc) as revenue_rank
    from invoices
    where invoiced_revenue > 0
),

context as (
    select as_of_date from gold.run_context
)

select
    c.customer_key,
    c.customer_name,
    c.account_id,
    c.customer_number,
    c.match_method,
    c.account_type,
    c.industry,
    c.segment,
    c.account_status,
    c.erp_channel,
    c.erp_status,
    c.city,
    c.country,
    c.geography_key,
    c.owner_user_id,
    coalesce(ct.contacts, 0) as contacts,
    coalesce(d.won_count, 0) as won_count,
    cast(coalesce(d.won_amount, 0) as numeric(18, 2)) as won_amount,
    cast(coalesce(d.open_pipeline, 0) as numeric(18, 2)) as open_pipeline,
    coalesce(o.order_count, 0) as order_count,
    o.first_order_date,
    o.last_order_date,
    x.as_of_date - o.last_order_date as days_since_last_order,
    cast(coalesce(i.invoiced_revenue, 0) as numeric(18, 2)) as invoiced_revenue,
    cast(coalesce(i.outstanding_receivables, 0) as numeric(18, 2)) as outstanding_receivables,
    coalesce(r.returns, 0) as returns,
    coalesce(r.returned_units, 0) as returned_units,
    cast(coalesce(r.refunded_amount, 0) as numeric(18, 2)) as refunded_amount,
    coalesce(k.cases, 0) as cases,
    coalesce(k.open_cases, 0) as open_cases,
    case
        when t.revenue_rank is null then 'none'
        when t.revenue_rank <= 0.1 then 'platinum'
        when t.revenue_rank <= 0.3 then 'gold'
        when t.revenue_rank <= 0.6 then 'silver'
        else 'bronze'
    end as lifetime_value_tier
from gold.dim_customer as c
cross join context as x
left join contacts as ct on ct.customer_key = c.customer_key
left join deals as d on d.customer_key = c.customer_key
left join orders as o on o.customer_key = c.customer_key
left join invoices as i on i.customer_key = c.customer_key
left join returns as r on r.customer_key = c.customer_key
left join cases as k on k.customer_key = c.customer_key
left join tiers as t on t.customer_key = c.customer_key
