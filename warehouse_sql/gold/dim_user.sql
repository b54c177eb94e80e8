-- gold.dim_user: the Salesforce users who own records, with their manager.
-- Grain: one row per user (active or not: closed deals keep their owner).
-- Inputs: silver.user.
-- direct_report_count: users whose ManagerId is this user; is_manager: it is above zero.
-- @key user_id
-- @not_null user_name is_active direct_report_count is_manager
-- @references manager_id dim_user.user_id
with users as (
    select
        user_id, name, first_name, last_name, username, email, title, department, is_active,
        manager_id, country, country_code
    from silver."user"
),

reports as (
    select manager_id, count(*) as direct_report_count
    from users
    where manager_id is not null
    group by manager_id
)

select
    u.user_id,
    coalesce(u.name, trim(coalesce(u.first_name, '') || ' ' || u.last_name)) as user_name,
    u.username,
    u.email,
    u.title,
    u.department,
    u.is_active,
    u.country,
    u.country_code as geography_key,
    u.manager_id,
    coalesce(m.name, trim(coalesce(m.first_name, '') || ' ' || m.last_name)) as manager_name,
    coalesce(r.direct_report_count, 0) as direct_report_count,
    coalesce(r.direct_report_count, 0) > 0 as is_manager
from users as u
left join users as m on m.user_id = u.manager_id
left join reports as r on r.manager_id = u.user_id
