-- Reconciliation: the pipeline marts add up to the opportunity fact (open pipeline, weighted pipeline,
-- deal count). Returns one row per mart that disagrees.
with fact as (
    select
        count(*) as deals,
        coalesce(sum(amount) filter (where status = 'open'), 0) as pipeline,
        coalesce(sum(weighted_amount) filter (where status = 'open'), 0) as weighted
    from gold.fact_opportunity
),

marts as (
    select 'sales_pipeline' as mart, coalesce(sum(opportunities), 0) as deals, coalesce(sum(pipeline), 0) as pipeline,
        coalesce(sum(weighted_pipeline), 0) as weighted
    from gold.sales_pipeline
    union all
    select 'owner_performance', coalesce(sum(won_count + lost_count + open_count), 0), coalesce(sum(pipeline), 0),
        coalesce(sum(weighted_pipeline), 0)
    from gold.owner_performance
    union all
    select 'revenue_by_industry', coalesce(sum(won_count + lost_count + open_count), 0),
        coalesce(sum(open_pipeline), 0), coalesce(sum(weighted_pipeline), 0)
    from gold.revenue_by_industry
)

select m.mart, m.deals, f.deals as fact_deals, m.pipeline, f.pipeline as fact_pipeline, m.weighted,
    f.weighted as fact_weighted
from marts as m
cross join fact as f
where m.deals <> f.deals or m.pipeline <> f.pipeline or m.weighted <> f.weighted
