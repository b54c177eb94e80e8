-- gold.dim_date: the calendar, with the fiscal year and quarter.
-- Grain: one row per day, from 1 January of the earliest year any fact needs to 31 December of the latest.
-- Inputs: silver.opportunity, silver.sales_orders, silver.invoices, silver.purchase_orders, silver.case,
-- silver.inventory_transactions, silver.returns, gold.run_context.
-- Fiscal year: starts in run_context.fiscal_year_start_month (1 = January, Salesforce's default) and is
-- named, as Salesforce names it, after the calendar year in which it ends. fiscal_quarter_index =
-- fiscal_year * 4 + fiscal_quarter - 1 counts quarters, so "last quarter" is one less.
-- @key date_key
-- @not_null year quarter month month_start year_month day_of_week fiscal_year fiscal_quarter fiscal_quarter_index
-- @accepted fiscal_quarter 1 2 3 4
with context as (
    select as_of_date, fiscal_year_start_month from gold.run_context
),

dates as (
    select cast(created_date as date) as d from silver.opportunity
    union all select close_date from silver.opportunity
    union all select order_date from silver.sales_orders
    union all select invoice_date from silver.invoices
    union all select due_date from silver.invoices
    union all select order_date from silver.purchase_orders
    union all select expected_date from silver.purchase_orders
    union all select cast(created_date as date) from silver."case"
    union all select cast(created_at as date) from silver.inventory_transactions
    union all select return_date from silver.returns
    union all select as_of_date from context
),

bounds as (
    select
        make_date(cast(extract(year from min(d)) as integer), 1, 1) as first_day,
        make_date(cast(extract(year from max(d)) as integer), 12, 31) as last_day
    from dates
),

digits as (
    select n from (values (0), (1), (2), (3), (4), (5), (6), (7), (8), (9)) as t (n)
),

offsets as (
    -- 0 … 99,999 days (273 years) without a recursive query or an engine-specific series function
    select a.n + 10 * b.n + 100 * c.n + 1000 * d.n + 10000 * e.n as n
    from digits as a cross join digits as b cross join digits as c cross join digits as d cross join digits as e
),

days as (
    select b.first_day + o.n as date_key
    from bounds as b
    inner join offsets as o on o.n <= b.last_day - b.first_day
),

parts as (
    select
        date_key,
        cast(extract(year from date_key) as integer) as year,
        cast(extract(quarter from date_key) as integer) as quarter,
        cast(extract(month from date_key) as integer) as month,
        cast(extract(day from date_key) as integer) as day_of_month,
        cast(extract(isodow from date_key) as integer) as day_of_week,
        c.fiscal_year_start_month
    from days
    cross join context as c
),

fiscal as (
    select
        *,
        year + case when fiscal_year_start_month > 1 and month >= fiscal_year_start_month then 1 else 0 end
            as fiscal_year,
        cast(floor(mod(month - fiscal_year_start_month + 12, 12) / 3.0) as integer) + 1 as fiscal_quarter
    from parts
)

select
    date_key,
    year,
    quarter,
    month,
    case month
        when 1 then 'January' when 2 then 'February' when 3 then 'March' when 4 then 'April'
        when 5 then 'May' when 6 then 'June' when 7 then 'July' when 8 then 'August'
        when 9 then 'September' when 10 then 'October' when 11 then 'November' else 'December'
    end as month_name,
    make_date(year, month, 1) as month_start,
    cast(year as text) || '-' || lpad(cast(month as text), 2, '0') as year_month,
    day_of_month,
    day_of_week,
    day_of_week >= 6 as is_weekend,
    fiscal_year,
    fiscal_quarter,
    'FY' || cast(fiscal_year as text) || ' Q' || cast(fiscal_quarter as text) as fiscal_period,
    fiscal_year * 4 + fiscal_quarter - 1 as fiscal_quarter_index
from fiscal
