-- What each book's model calls cost (cost_usd is what was paid: 0 for response-cache hits).
CREATE OR REPLACE VIEW ${dataset}.cost_per_book AS
SELECT
  c.book_id,
  ANY_VALUE(b.status) AS status,
  ANY_VALUE(b.genre) AS genre,
  ANY_VALUE(b.chapters) AS chapters,
  COUNT(*) AS calls,
  COUNTIF(c.cache_hit) AS cache_hits,
  SUM(c.cost_usd) AS cost_usd,
  SAFE_DIVIDE(SUM(c.cost_usd), ANY_VALUE(b.chapters)) AS cost_per_chapter,
  MIN(c.ts) AS first_call_at,
  MAX(c.ts) AS last_call_at
FROM ${dataset}.llm_calls AS c
LEFT JOIN ${dataset}.books_latest AS b ON b.book_id = c.book_id
GROUP BY c.book_id
