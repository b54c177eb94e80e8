-- Reconciliation: gold's won amount equals silver's Closed Won amount, in the fact, the marts and the headline.
-- Returns one row per place that disagrees, with both figures.
with silver_won as (
    select coalesce(sum(amount), 0) as amount
    from silver.opportunity
    where is_won and not is_deleted
),

gold_figures as (
    select 'fact_opportunity' as place, coalesce(sum(amount), 0) as amount
    from gold.fact_opportunity where status = 'won'
    union all select 'revenue_by_industry', coalesce(sum(won_amount), 0) from gold.revenue_by_industry
    union all select 'revenue_by_geography', coalesce(sum(won_amount), 0) from gold.revenue_by_geography
    union all select 'customer_segmentation', coalesce(sum(won_amount), 0) from gold.customer_segmentation
    union all select 'sales_pipeline', coalesce(sum(bookings), 0) from gold.sales_pipeline
    union all select 'owner_performance', coalesce(sum(bookings), 0) from gold.owner_performance
    union all select 'headline_kpis', won_amount from gold.headline_kpis
)

select g.place, g.amount as gold_amount, s.amount as silver_amount
from gold_figures as g
cross join silver_won as s
where g.amount <> s.amount
