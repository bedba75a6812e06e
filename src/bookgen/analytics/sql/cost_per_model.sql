-- Spend and billed tokens per provider and model.
CREATE OR REPLACE VIEW ${dataset}.cost_per_model AS
SELECT
  provider,
  model,
  COUNT(*) AS calls,
  COUNTIF(cache_hit) AS cache_hits,
  COUNTIF(status = 'failed') AS failed,
  SUM(IF(cache_hit, 0, prompt_tokens)) AS prompt_tokens,
  SUM(IF(cache_hit, 0, cached_tokens)) AS cached_tokens,
  SUM(IF(cache_hit, 0, completion_tokens)) AS completion_tokens,
  SUM(cost_usd) AS cost_usd,
  SAFE_DIVIDE(SUM(cost_usd), COUNTIF(NOT cache_hit)) AS cost_per_call
FROM ${dataset}.llm_calls
GROUP BY provider, model
