-- Spend per UTC day of the calls.
CREATE OR REPLACE VIEW ${dataset}.cost_per_day AS
SELECT
  DATE(ts) AS day,
  COUNT(DISTINCT book_id) AS books,
  COUNT(*) AS calls,
  COUNTIF(cache_hit) AS cache_hits,
  SUM(cost_usd) AS cost_usd,
  SAFE_DIVIDE(SUM(cost_usd), COUNT(DISTINCT book_id)) AS cost_per_book
FROM ${dataset}.llm_calls
GROUP BY day
