-- gold.dim_contact: the people at customers.
-- Grain: one row per live Contact.
-- Inputs: silver.contact, gold.dim_customer.
-- customer_key: the unified customer of the contact's account (null for a contact with no account).
-- @key contact_id
-- @not_null contact_name
-- @references customer_key dim_customer.customer_key
-- @references owner_user_id dim_user.user_id
-- @references geography_key dim_geography.geography_key
-- @incremental silver.contact contact_id
-- @incremental gold.dim_customer account_id reading customer_key
with contacts as (
    select
        contact_id, account_id, name, first_name, last_name, salutation, title, department, email, phone,
        mobile_phone, mailing_city, mailing_country, mailing_country_code, lead_source, contact_role,
        contact_level, engagement_score, reports_to_id, owner_id, cast(created_date as date) as created_date
    from silver.contact
    where not is_deleted
),

customers as (
    select customer_key, account_id from gold.dim_customer where account_id is not null
)

select
    c.contact_id,
    cu.customer_key,
    c.account_id,
    coalesce(c.name, trim(coalesce(c.first_name, '') || ' ' || c.last_name)) as contact_name,
    c.salutation,
    c.title,
    c.department,
    c.email,
    c.phone,
    c.mobile_phone,
    c.mailing_city as city,
    c.mailing_country as country,
    c.mailing_country_code as geography_key,
    c.lead_source,
    c.contact_role,
    c.contact_level,
    c.engagement_score,
    c.reports_to_id,
    c.owner_id as owner_user_id,
    c.created_date
from contacts as c
left join customers as cu on cu.account_id = c.account_id
