-- Reconciliation: invoiced revenue (net of tax) and receivables (tax included) in gold equal silver's invoices
-- and its payments up to the as-of date (a payment of an invoice silver does not hold pays nothing off; gold.reconciliation counts it).
-- Returns one row per figure that disagrees.
with silver_figures as (
    select
        (select coalesce(sum(amount - coalesce(tax_amount, 0)), 0) from silver.invoices) as invoiced,
        (select coalesce(sum(amount), 0) from silver.invoices)
        - (select coalesce(sum(p.amount), 0) from silver.payments as p
           inner join gold.run_context as x on p.payment_date <= x.as_of_date
           where exists (select 1 from silver.invoices as i where i.invoice_number = p.invoice_number)) as outstanding
),

gold_figures as (
    select 'fact_invoice' as place, coalesce(sum(net_amount), 0) as invoiced, coalesce(sum(outstanding_amount), 0)
        as outstanding
    from gold.fact_invoice
    union all
    select 'customer_360', coalesce(sum(invoiced_revenue), 0), coalesce(sum(outstanding_receivables), 0)
    from gold.customer_360
    union all
    select 'headline_kpis', invoiced_revenue, outstanding_receivables from gold.headline_kpis
)

select g.place, g.invoiced, s.invoiced as silver_invoiced, g.outstanding, s.outstanding as silver_outstanding
from gold_figures as g
cross join silver_figures as s
where g.invoiced <> s.invoiced or g.outstanding <> s.outstanding
