-- gold.dim_user: the Salesforce users who own records, with their manager.
-- Grain: one row per user (active or not: closed deals keep their owner), and one inferred member per owner
-- Id that records point at but silver.user does not hold (users not exported or not readable, queues).
-- Inputs: silver.user, and the owners of silver.account, contact, opportunity, case and lead.
-- direct_report_count: users whose ManagerId is this user; is_manager: it is above zero.
-- is_inferred: the user is known only by the Id records point at; user_name says so ("Unknown owner 005…").
-- @key user_id
-- @not_null user_name is_active direct_report_count is_manager is_inferred
-- @references manager_id dim_user.user_id
with known as (
    select
        user_id, name, first_name, last_name, username, email, title, department, is_active,
        manager_id, country, country_code, false as is_inferred
    from silver."user"
),

pointed as (
    select owner_id as user_id from silver.account
    union select owner_id from silver.contact
    union select owner_id from silver.opportunity
    union select owner_id from silver."case"
    union select owner_id from silver.lead
    union select manager_id from known
),

users as (
    select * from known
    union all
    select
        p.user_id, 'Unknown owner ' || p.user_id, null, null, null, null, null, null, false,
        null, null, null, true
    from pointed as p
    where p.user_id is not null and not exists (select 1 from known as k where k.user_id = p.user_id)
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
    coalesce(r.direct_report_count, 0) > 0 as is_manager,
    u.is_inferred
from users as u
left join users as m on m.user_id = u.manager_id
left join reports as r on r.manager_id = u.user_id
