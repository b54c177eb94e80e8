-- gold.pipeline_by_currency: every currency's deals as the org states them, beside what they come to in the
-- reporting currency; the one place amounts of different currencies sit side by side, never summed.
-- Grain: one row per deal currency (currency_key `-` for a single-currency org's deals, which state none).
-- Inputs: gold.fact_opportunity, gold.run_context.
-- won_amount_in_currency / open_pipeline_in_currency: Amount as stated, won / open deals. won_amount /
-- open_pipeline: the same in the reporting currency, empty when the org gives no rate for the currency
-- (is_converted false: those deals are left out of every other figure).
-- @key currency_key
-- @not_null deals won_amount_in_currency open_pipeline_in_currency is_reporting_currency is_converted
select
    coalesce(f.currency, '-') as currency_key,
    f.currency,
    count(*) as deals,
    coalesce(sum(f.amount_in_currency) filter (where f.status = 'won'), 0) as won_amount_in_currency,
    coalesce(sum(f.amount_in_currency) filter (where f.status = 'open'), 0) as open_pipeline_in_currency,
    sum(f.amount) filter (where f.status = 'won') as won_amount,
    sum(f.amount) filter (where f.status = 'open') as open_pipeline,
    coalesce(f.currency = max(x.reporting_currency), f.currency is null) as is_reporting_currency,
    bool_and(f.amount is not null) as is_converted
from gold.fact_opportunity as f
cross join gold.run_context as x
group by f.currency
