-- gold.ar_aging: who owes us money, and for how long.
-- Grain: one row per customer with an outstanding invoice (outstanding amount > 0).
-- Inputs: gold.fact_invoice, gold.dim_customer, gold.run_context.
-- Buckets by invoice age (as-of date - invoice date) of each invoice's outstanding amount: age_0_30,
-- age_31_60, age_61_90, age_over_90; total_outstanding is their sum. past_due: the part of it whose due
-- date has passed. open_invoices: invoices with money outstanding; oldest_invoice_date among them.
-- @key customer_key
-- @not_null customer_name open_invoices total_outstanding age_0_30 age_31_60 age_61_90 age_over_90 past_due
-- @references customer_key dim_customer.customer_key
with outstanding as (
    select i.customer_key, i.invoice_date, x.as_of_date - i.invoice_date as age_days, i.days_overdue, i.outstanding_amount
    from gold.fact_invoice as i
    cross join gold.run_context as x
    where i.outstanding_amount > 0
),

buckets as (
    select
        customer_key,
        count(*) as open_invoices,
        min(invoice_date) as oldest_invoice_date,
        sum(outstanding_amount) as total_outstanding,
        coalesce(sum(outstanding_amount) filter (where age_days <= 30), 0) as age_0_30,
        coalesce(sum(outstanding_amount) filter (where age_days between 31 and 60), 0) as age_31_60,
        coalesce(sum(outstanding_amount) filter (where age_days between 61 and 90), 0) as age_61_90,
        coalesce(sum(outstanding_amount) filter (where age_days > 90), 0) as age_over_90,
        coalesce(sum(outstanding_amount) filter (where days_overdue > 0), 0) as past_due
    from outstanding
    group by customer_key
)

select
    b.customer_key,
    c.customer_name,
    c.customer_number,
    c.payment_terms,
    c.credit_limit,
    b.open_invoices,
    b.oldest_invoice_date,
    cast(b.total_outstanding as numeric(18, 2)) as total_outstanding,
    cast(b.age_0_30 as numeric(18, 2)) as age_0_30,
    cast(b.age_31_60 as numeric(18, 2)) as age_31_60,
    cast(b.age_61_90 as numeric(18, 2)) as age_61_90,
    cast(b.age_over_90 as numeric(18, 2)) as age_over_90,
    cast(b.past_due as numeric(18, 2)) as past_due
from buckets as b
inner join gold.dim_customer as c on c.customer_key = b.customer_key
