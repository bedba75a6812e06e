-- Tokens the provider processed, per step and model. Response-cache hits made no provider call: they are
-- counted in cache_hits and their tokens are left out. cached_share = prompt tokens served from the
-- provider's prompt cache (the shared static prefix of chapter prompts).
CREATE OR REPLACE VIEW ${dataset}.token_usage AS
SELECT
  step,
  provider,
  model,
  COUNT(*) AS calls,
  COUNTIF(cache_hit) AS cache_hits,
  SUM(IF(cache_hit, 0, prompt_tokens)) AS prompt_tokens,
  SUM(IF(cache_hit, 0, cached_tokens)) AS cached_tokens,
  SUM(IF(cache_hit, 0, completion_tokens)) AS completion_tokens,
  SUM(IF(cache_hit, 0, prompt_tokens + completion_tokens)) AS total_tokens,
  SAFE_DIVIDE(SUM(IF(cache_hit, 0, cached_tokens)), SUM(IF(cache_hit, 0, prompt_tokens))) AS cached_share
FROM ${dataset}.llm_calls
GROUP BY step, provider, model
