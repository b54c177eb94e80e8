-- gold.fact_case: customer support cases.
-- Grain: one row per live Case.
-- Inputs: silver.case, gold.dim_customer, gold.run_context.
-- contact_id: the case's contact while that contact is live (null once it is deleted).
-- resolution_days: closed cases, closed date - created date. age_days: open cases, as-of date - created date.
-- @key case_id
-- @not_null is_closed
-- @references customer_key dim_customer.customer_key
-- @references contact_id dim_contact.contact_id
-- @references owner_user_id dim_user.user_id
-- @references created_date dim_date.date_key
with cases as (
    select
        case_id, case_number, account_id, contact_id, owner_id, type, status, reason, origin, priority,
        is_closed, is_escalated, cast(created_date as date) as created_date, cast(closed_date as date) as closed_date
    from silver."case"
    where not is_deleted
),

customers as (
    select customer_key, account_id from gold.dim_customer where account_id is not null
),

contacts as (
    select contact_id from gold.dim_contact
),

context as (
    select as_of_date from gold.run_context
)

select
    k.case_id,
    k.case_number,
    case when k.account_id is not null then coalesce(c.customer_key, 'unknown') end as customer_key,
    k.account_id,
    ct.contact_id,
    k.owner_id as owner_user_id,
    k.type as case_type,
    k.status,
    k.reason,
    k.origin,
    k.priority,
    k.is_closed,
    coalesce(k.is_escalated, false) as is_escalated,
    k.created_date,
    k.closed_date,
    case when k.is_closed then k.closed_date - k.created_date end as resolution_days,
    case when not k.is_closed then x.as_of_date - k.created_date end as age_days
from cases as k
cross join context as x
left join customers as c on c.account_id = k.account_id
left join contacts as ct on ct.contact_id = k.contact_id
