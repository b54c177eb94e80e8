-- gold.customer_segmentation: how each customer segment buys.
-- Grain: one row per segment (Account.CustomerSegment__c: Enterprise, Mid-Market, SMB; Unknown for ERP-only
-- customers).
-- Inputs: gold.deal_metrics, gold.dim_customer, gold.fact_invoice.
-- Metrics: the deal metrics of deal_metrics.sql, plus customers (every unified customer in the segment),
-- invoiced_revenue (ERP invoice amounts net of tax), share_of_won_amount = the segment's won amount / all won amount.
-- @key segment
-- @not_null customers invoiced_revenue won_amount won_count open_pipeline weighted_pipeline
with customers as (
    select segment, count(*) as customers
    from gold.dim_customer
    group by segment
),

invoiced as (
    select c.segment, sum(i.net_amount) as invoiced_revenue
    from gold.fact_invoice as i
    inner join gold.dim_customer as c on c.customer_key = i.customer_key
    group by c.segment
),

deals as (
    select * from gold.deal_metrics where breakdown = 'segment'
),

segments as (
    select segment from customers
    union
    select segment from deals
)

select
    s.segment,
    coalesce(c.customers, 0) as customers,
    coalesce(d.customers_with_deals, 0) as customers_with_deals,
    cast(coalesce(i.invoiced_revenue, 0) as numeric(18, 2)) as invoiced_revenue,
    coalesce(d.won_count, 0) as won_count,
    coalesce(d.won_amount, 0) as won_amount,
    coalesce(d.lost_count, 0) as lost_count,
    coalesce(d.lost_amount, 0) as lost_amount,
    coalesce(d.open_count, 0) as open_count,
    coalesce(d.open_pipeline, 0) as open_pipeline,
    coalesce(d.weighted_pipeline, 0) as weighted_pipeline,
    d.win_rate_by_count,
    d.win_rate_by_amount,
    d.avg_deal_size,
    cast(cast(coalesce(d.won_amount, 0) as double precision) / nullif(sum(d.won_amount) over (), 0) as numeric(9, 4))
        as share_of_won_amount
from segments as s
left join customers as c on c.segment = s.segment
left join deals as d on d.segment = s.segment
left join invoiced as i on i.segment = s.segment
