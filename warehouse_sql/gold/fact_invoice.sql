-- gold.fact_invoice: what customers were billed, what they paid, what they still owe.
-- Grain: one row per ERP invoice.
-- Inputs: silver.invoices, silver.payments, gold.dim_customer, gold.run_context.
-- amount: what the invoice bills, tax included. tax_amount: the VAT/GST on it (0 where the ERP states none).
-- net_amount = amount - tax_amount: the revenue, comparable with the won deal's Amount (which has no tax).
-- paid_amount: the invoice's payments up to the as-of date (the payments ledger, not the invoice's own
-- amount_paid field). outstanding_amount = amount - paid_amount. days_overdue: as-of date - due date when
-- money is outstanding and the due date has passed, else 0. An invoice's age is as-of date - invoice_date
-- (join gold.run_context; gold.ar_aging buckets it): a column of it would change every row every day, where a
-- moved as-of date reaches only the invoices with money outstanding or a payment it counts in or out. (Its
-- `where` has no correlated EXISTS: PostgreSQL runs one under OR once per invoice, a scan of payments each.)
-- @key invoice_number
-- @not_null customer_key tax_amount paid_amount days_overdue
-- @references customer_key dim_customer.customer_key
-- @references invoice_date dim_date.date_key
-- @references due_date dim_date.date_key
-- @incremental silver.invoices invoice_number
-- @incremental silver.payments invoice_number
-- @incremental gold.dim_customer customer_number reading customer_key
-- @incremental gold.run_context as_of_date where t.outstanding_amount > 0 or t.last_payment_date > (select as_of_date from gold.run_context) or t.invoice_number in (select p.invoice_number from silver.payments as p inner join gold.fact_invoice as f on f.invoice_number = p.invoice_number where f.last_payment_date is null or p.payment_date > f.last_payment_date)
with invoices as (
    select
        invoice_number, so_number, customer_number, invoice_date, due_date, currency, amount,
        coalesce(tax_amount, 0) as tax_amount, status
    from silver.invoices
),

context as (
    select as_of_date from gold.run_context
),

paid as (
    select p.invoice_number, sum(p.amount) as amount, max(p.payment_date) as last_payment_date
    from silver.payments as p
    cross join context as x
    where p.payment_date <= x.as_of_date
    group by p.invoice_number
),

customers as (
    select customer_key, customer_number from gold.dim_customer where customer_number is not null
)

select
    i.invoice_number,
    i.so_number,
    coalesce(c.customer_key, 'unknown') as customer_key,
    i.customer_number,
    i.invoice_date,
    i.due_date,
    i.currency,
    i.status,
    i.amount,
    i.tax_amount,
    cast(i.amount - i.tax_amount as numeric(18, 2)) as net_amount,
    cast(coalesce(p.amount, 0) as numeric(18, 2)) as paid_amount,
    cast(i.amount - coalesce(p.amount, 0) as numeric(18, 2)) as outstanding_amount,
    p.last_payment_date,
    case
        when i.amount - coalesce(p.amount, 0) > 0 and i.due_date < x.as_of_date then x.as_of_date - i.due_date
        else 0
    end as days_overdue
from invoices as i
cross join context as x
left join paid as p on p.invoice_number = i.invoice_number
left join customers as c on c.customer_number = i.customer_number
