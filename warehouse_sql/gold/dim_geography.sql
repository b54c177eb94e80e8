-- gold.dim_geography: the countries the business touches, with their sales region.
-- Grain: one row per country (ISO 3166-1 alpha-2 code) seen on an account, customer, supplier, warehouse or user.
-- Inputs: silver.account, silver.customers, silver.suppliers, silver.warehouses, silver.user.
-- region: NA, LATAM, EMEA or APAC by country, the values of Account.GeographicRegion__c; Other when unknown.
-- @key geography_key
-- @not_null country region
-- @accepted region NA LATAM EMEA APAC Other
with countries as (
    select billing_country_code as code, billing_country as country from silver.account
    union all select shipping_country_code, shipping_country from silver.account
    union all select country_code, country from silver.customers
    union all select country_code, country from silver.suppliers
    union all select country_code, country from silver.warehouses
    union all select country_code, country from silver."user"
),

regions as (
    select code, region
    from (values
        ('US', 'NA'), ('CA', 'NA'), ('MX', 'LATAM'), ('BR', 'LATAM'),
        ('GB', 'EMEA'), ('DE', 'EMEA'), ('FR', 'EMEA'), ('NL', 'EMEA'), ('IE', 'EMEA'), ('ES', 'EMEA'),
        ('IT', 'EMEA'), ('CH', 'EMEA'), ('SE', 'EMEA'),
        ('AU', 'APAC'), ('NZ', 'APAC'), ('JP', 'APAC'), ('CN', 'APAC'), ('IN', 'APAC'), ('SG', 'APAC')
    ) as t (code, region)
),

distinct_countries as (
    select code, min(country) as country
    from countries
    where code is not null
    group by code
)

select
    c.code as geography_key,
    c.country,
    coalesce(r.region, 'Other') as region
from distinct_countries as c
left join regions as r on r.code = c.code
