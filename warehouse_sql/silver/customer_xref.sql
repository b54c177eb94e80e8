-- silver.customer_xref: which Salesforce Account is which ERP customer.
-- Grain: one row per matched (account, customer) pair, per unmatched live Account, per unmatched customer.
-- Inputs: silver.account (live records), silver.customers.
-- Matching: the external id (Account.ERP_Customer_Number__c = customer_number, compared on letters and
-- digits only, so `C-0000003`, `c0000003` and `C 0000003` are all `C0000003`) first; then a normalised
-- name (lower case, letters and digits only, legal suffixes such as Inc./GmbH/Ltd dropped) where that
-- name is unique on both sides. match_method: external_id | name | unmatched_crm | unmatched_erp.
-- Anti-joins are NOT EXISTS, never NOT IN: PostgreSQL cannot hash NOT IN over a subquery.
with accounts as (
    select account_id, name, regexp_replace(upper(erp_customer_number), '[^A-Z0-9]', '', 'g') as external_key
    from silver.account
    where not is_deleted
),

customers as (
    select customer_number, customer_name, regexp_replace(upper(customer_number), '[^A-Z0-9]', '', 'g') as external_key
    from silver.customers
),

by_external_id as (
    select a.account_id, c.customer_number, 'external_id' as match_method
    from accounts as a
    inner join customers as c on c.external_key = a.external_key
),

unmatched_names as (
    select 'crm' as side, a.account_id as record_id, a.name as raw_name
    from accounts as a
    where not exists (select 1 from by_external_id as m where m.account_id = a.account_id)
    union all
    select 'erp' as side, c.customer_number as record_id, c.customer_name as raw_name
    from customers as c
    where not exists (select 1 from by_external_id as m where m.customer_number = c.customer_number)
),

name_keys as (
    -- letters and digits only, legal suffixes dropped (twice, for "Pty Ltd"), single spaces
    select
        side,
        record_id,
        trim(regexp_replace(regexp_replace(regexp_replace(
            ' ' || regexp_replace(lower(raw_name), '[^a-z0-9]+', ' ', 'g') || ' ',
            ' (inc|incorporated|llc|ltd|limited|corp|corporation|co|company|gmbh|ag|sa|sarl|sas|plc|pty) ', ' ', 'g'),
            ' (inc|incorporated|llc|ltd|limited|corp|corporation|co|company|gmbh|ag|sa|sarl|sas|plc|pty) ', ' ', 'g'),
            ' +', ' ', 'g')) as name_key
    from unmatched_names
),

by_name as (
    -- a name that exactly one unmatched account and exactly one unmatched customer have; one
    -- aggregate rather than a self-join, which PostgreSQL misestimates into a nested loop
    select
        min(case when side = 'crm' then record_id end) as account_id,
        min(case when side = 'erp' then record_id end) as customer_number,
        'name' as match_method
    from name_keys
    group by name_key
    having
        sum(case when side = 'crm' then 1 else 0 end) = 1
        and sum(case when side = 'erp' then 1 else 0 end) = 1
),

matched as (
    select account_id, customer_number, match_method from by_external_id
    union all
    select account_id, customer_number, match_method from by_name
),

final as (
    select account_id, customer_number, match_method from matched
    union all
    select a.account_id, cast(null as text), 'unmatched_crm'
    from accounts as a
    where not exists (select 1 from matched as m where m.account_id = a.account_id)
    union all
    select cast(null as text), c.customer_number, 'unmatched_erp'
    from customers as c
    where not exists (select 1 from matched as m where m.customer_number = c.customer_number)
)

select account_id, customer_number, match_method from final
