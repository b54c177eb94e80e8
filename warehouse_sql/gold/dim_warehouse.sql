-- gold.dim_warehouse: the ERP's stock locations.
-- Grain: one row per warehouse.
-- Inputs: silver.warehouses.
-- @key warehouse_code
-- @not_null warehouse_name
-- @references geography_key dim_geography.geography_key
select
    warehouse_code,
    warehouse_name,
    city,
    country,
    country_code as geography_key
from silver.warehouses
