-- gold.dim_supplier: the ERP's suppliers.
-- Grain: one row per supplier.
-- Inputs: silver.suppliers.
-- @key supplier_id
-- @not_null supplier_name
-- @references geography_key dim_geography.geography_key
select
    supplier_id,
    supplier_name,
    country,
    country_code as geography_key,
    lead_time_days,
    payment_terms
from silver.suppliers
