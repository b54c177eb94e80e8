-- gold.revenue_by_industry: where revenue comes from, by the customer's industry.
-- Grain: one row per Account.Industry (Unknown when empty, or for a deal with no account).
-- Inputs: gold.deal_metrics.
-- Metrics: as defined in deal_metrics.sql (won, lost, open pipeline, weighted pipeline, win rates by count
-- and by amount, average deal size), over live opportunities of any close date.
-- @key industry
-- @not_null won_amount won_count open_pipeline weighted_pipeline customers_with_deals
select
    industry, customers_with_deals, won_count, won_amount, lost_count, lost_amount, open_count, open_pipeline,
    weighted_pipeline, win_rate_by_count, win_rate_by_amount, avg_deal_size
from gold.deal_metrics
where breakdown = 'industry'
