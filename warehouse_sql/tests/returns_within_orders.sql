-- Consistency: no sales order line has more units returned than it sold.
-- Returns each such line.
select so_number, line_number, quantity, quantity_returned
from gold.fact_sales_order_line
where quantity_returned > quantity
