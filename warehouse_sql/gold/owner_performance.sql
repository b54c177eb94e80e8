-- gold.owner_performance: how each deal owner sells.
-- Grain: one row per user who owns at least one live opportunity.
-- Inputs: gold.deal_metrics, gold.dim_user.
-- Metrics: as defined in deal_metrics.sql over the owner's live opportunities: bookings / won_count
-- (Closed Won), lost_count, open_count / pipeline (open amount), weighted_pipeline (open amount *
-- probability / 100), win rates by count and by amount, avg_deal_size = bookings / won_count,
-- avg_days_to_close = mean sales cycle (close date - created date) of the owner's won deals.
-- @key owner_user_id
-- @not_null owner_name bookings won_count lost_count open_count pipeline weighted_pipeline
-- @references owner_user_id dim_user.user_id
-- @references manager_id dim_user.user_id
select
    m.owner_user_id,
    u.user_name as owner_name,
    u.title,
    u.is_active,
    u.manager_id,
    u.manager_name,
    m.won_count,
    m.won_amount as bookings,
    m.lost_count,
    m.lost_amount,
    m.open_count,
    m.open_pipeline as pipeline,
    m.weighted_pipeline,
    m.win_rate_by_count,
    m.win_rate_by_amount,
    m.avg_deal_size,
    m.avg_days_to_close
from gold.deal_metrics as m
inner join gold.dim_user as u on u.user_id = m.owner_user_id
where m.breakdown = 'owner'
