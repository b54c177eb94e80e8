-- gold.manager_performance: how each manager's team sells.
-- Grain: one row per user with at least one direct report (User.ManagerId).
-- Inputs: gold.deal_metrics, gold.dim_user.
-- Team: the manager's direct reports; their deals count, the manager's own do not.
-- Metrics: direct_reports (users reporting to the manager), active_direct_reports, and, as defined in
-- deal_metrics.sql over the team's live opportunities: bookings / won_count, lost_count, open_count /
-- pipeline, weighted_pipeline, win rates by count and by amount, avg_deal_size, avg_days_to_close.
-- @key manager_id
-- @not_null manager_name direct_reports bookings won_count open_count pipeline weighted_pipeline
-- @references manager_id dim_user.user_id
with managers as (
    select user_id as manager_id, user_name as manager_name, title, direct_report_count
    from gold.dim_user
    where is_manager
),

reports as (
    select manager_id, count(*) filter (where is_active) as active_direct_reports
    from gold.dim_user
    where manager_id is not null
    group by manager_id
),

teams as (
    select * from gold.deal_metrics where breakdown = 'manager'
)

select
    m.manager_id,
    m.manager_name,
    m.title,
    m.direct_report_count as direct_reports,
    coalesce(r.active_direct_reports, 0) as active_direct_reports,
    coalesce(t.won_count, 0) as won_count,
    coalesce(t.won_amount, 0) as bookings,
    coalesce(t.lost_count, 0) as lost_count,
    coalesce(t.lost_amount, 0) as lost_amount,
    coalesce(t.open_count, 0) as open_count,
    coalesce(t.open_pipeline, 0) as pipeline,
    coalesce(t.weighted_pipeline, 0) as weighted_pipeline,
    t.win_rate_by_count,
    t.win_rate_by_amount,
    t.avg_deal_size,
    t.avg_days_to_close
from managers as m
left join reports as r on r.manager_id = m.manager_id
left join teams as t on t.manager_id = m.manager_id
