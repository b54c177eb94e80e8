-- Reconciliation: gold's won amount equals silver's Closed Won amount, currency by currency as the org states
-- it (silver against the fact), and in the reporting currency (the marts and the headline against the fact).
-- Returns one row per place that disagrees, with both figures.
with silver_won as (
    select coalesce(o.currency_iso_code, x.reporting_currency, '-') as currency, sum(o.amount) as amount
    from silver.opportunity as o
    cross join gold.run_context as x
    where o.is_won and not o.is_deleted
    group by coalesce(o.currency_iso_code, x.reporting_currency, '-')
),

fact_won as (
    select coalesce(currency, '-') as currency, sum(amount_in_currency) as amount
    from gold.fact_opportunity
    where status = 'won'
    group by coalesce(currency, '-')
),

converted as (
    select coalesce(sum(amount), 0) as amount from gold.fact_opportunity where status = 'won'
),

gold_figures as (
    select 'revenue_by_industry' as place, coalesce(sum(won_amount), 0) as amount from gold.revenue_by_industry
    union all select 'revenue_by_geography', coalesce(sum(won_amount), 0) from gold.revenue_by_geography
    union all select 'customer_segmentation', coalesce(sum(won_amount), 0) from gold.customer_segmentation
    union all select 'sales_pipeline', coalesce(sum(bookings), 0) from gold.sales_pipeline
    union all select 'owner_performance', coalesce(sum(bookings), 0) from gold.owner_performance
    union all select 'headline_kpis', won_amount from gold.headline_kpis
    union all select 'pipeline_by_currency', coalesce(sum(won_amount), 0) from gold.pipeline_by_currency
)

select
    'fact_opportunity ' || coalesce(s.currency, f.currency) as place,
    coalesce(f.amount, 0) as gold_amount,
    coalesce(s.amount, 0) as silver_amount
from silver_won as s
full outer join fact_won as f on f.currency = s.currency
where coalesce(f.amount, 0) <> coalesce(s.amount, 0)
union all
select g.place, g.amount, c.amount
from gold_figures as g
cross join converted as c
where g.amount <> c.amount
