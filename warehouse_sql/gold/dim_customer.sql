-- gold.dim_customer: one unified customer per Salesforce Account and/or ERP customer.
-- Grain: one row per silver.customer_xref row: a matched (account, ERP customer) pair, an account with no ERP
-- customer (a prospect), or an ERP customer with no account.
-- Inputs: silver.customer_xref, silver.account, silver.customers.
-- customer_key: the Account Id when there is an account, else the ERP customer number.
-- customer_name: the account's name, else the ERP name. geography_key: the billing country, else the ERP
-- country. segment: Account.CustomerSegment__c, Unknown for ERP-only customers.
-- @key customer_key
-- @not_null customer_name match_method segment has_crm_account has_erp_customer
-- @references geography_key dim_geography.geography_key
-- @references owner_user_id dim_user.user_id
-- @accepted match_method external_id name unmatched_crm unmatched_erp unknown
with xref as (
    select account_id, customer_number, match_method from silver.customer_xref
    union all
    select null, null, 'unknown'
),

accounts as (
    select
        account_id, name, type, industry, customer_segment, geographic_region, account_status, rating,
        annual_revenue, number_of_employees, billing_city, billing_state, billing_country, billing_country_code,
        parent_id, owner_id, account_source, cast(created_date as date) as created_date
    from silver.account
),

customers as (
    select
        customer_number, customer_name, channel, city, country, country_code, payment_terms, credit_limit,
        currency, status, cast(created_at as date) as created_date
    from silver.customers
)

select
    coalesce(x.account_id, x.customer_number, 'unknown') as customer_key,
    x.account_id,
    x.customer_number,
    x.match_method,
    coalesce(a.name, c.customer_name, 'Unknown customer') as customer_name,
    a.name as account_name,
    c.customer_name as erp_customer_name,
    a.type as account_type,
    a.industry,
    coalesce(a.customer_segment, 'Unknown') as segment,
    a.account_status,
    a.rating,
    a.annual_revenue,
    a.number_of_employees,
    a.parent_id as parent_account_id,
    a.owner_id as owner_user_id,
    a.account_source,
    coalesce(a.billing_city, c.city) as city,
    a.billing_state as state,
    coalesce(a.billing_country, c.country) as country,
    coalesce(a.billing_country_code, c.country_code) as geography_key,
    c.channel as erp_channel,
    c.status as erp_status,
    c.payment_terms,
    c.credit_limit,
    c.currency,
    x.account_id is not null as has_crm_account,
    x.customer_number is not null as has_erp_customer,
    coalesce(a.created_date, c.created_date) as first_seen_date
from xref as x
left join accounts as a on a.account_id = x.account_id
left join customers as c on c.customer_number = x.customer_number
