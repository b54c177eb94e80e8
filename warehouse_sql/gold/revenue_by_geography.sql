-- gold.revenue_by_geography: where revenue comes from, by the customer's country and sales region.
-- Grain: one row per country: the account's billing country, else the ERP customer's (Unknown for none).
-- Inputs: gold.deal_metrics.
-- Metrics: as defined in deal_metrics.sql (won, lost, open pipeline, weighted pipeline, win rates by count
-- and by amount, average deal size), over live opportunities of any close date.
-- @key country
-- @not_null region won_amount won_count open_pipeline weighted_pipeline customers_with_deals
select
    region, country, customers_with_deals, won_count, won_amount, lost_count, lost_amount, open_count,
    open_pipeline, weighted_pipeline, win_rate_by_count, win_rate_by_amount, avg_deal_size
from gold.deal_metrics
where breakdown = 'geography'
