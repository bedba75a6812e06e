-- Money not spent thanks to caching, per provider and model, at the prices in model_prices:
--   response_cache_usd: response-cache hits made no call; each is priced as the recorded call would cost
--     (uncached prompt tokens at the input price, cached ones at the cached price, completion at output).
--   prompt_cache_usd: on real calls, prompt tokens served from the provider's cache were billed at the cached
--     price instead of the input price.
-- A model missing from model_prices saves nothing here and is counted in unpriced_hits.
CREATE OR REPLACE VIEW ${dataset}.cache_savings AS
WITH priced AS (
  SELECT
    c.provider,
    c.model,
    c.cache_hit,
    p.model IS NOT NULL AS priced,
    ((c.prompt_tokens - c.cached_tokens) * p.input_usd_per_1m
      + c.cached_tokens * p.cached_usd_per_1m
      + c.completion_tokens * p.output_usd_per_1m) / 1000000.0 AS call_usd,
    c.cached_tokens * (p.input_usd_per_1m - p.cached_usd_per_1m) / 1000000.0 AS prompt_cache_usd
  FROM ${dataset}.llm_calls AS c
  LEFT JOIN ${dataset}.model_prices AS p ON p.model = c.model
)
SELECT
  provider,
  model,
  COUNTIF(cache_hit) AS cache_hits,
  COUNTIF(cache_hit AND NOT priced) AS unpriced_hits,
  COALESCE(SUM(IF(cache_hit, call_usd, 0)), 0) AS response_cache_usd,
  COALESCE(SUM(IF(cache_hit, 0, prompt_cache_usd)), 0) AS prompt_cache_usd,
  COALESCE(SUM(IF(cache_hit, call_usd, prompt_cache_usd)), 0) AS saved_usd
FROM priced
GROUP BY provider, model
