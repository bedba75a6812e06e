-- Processing time of succeeded step attempts per step, plus step 'book' = end-to-end time of ready books.
-- Exact percentiles (PERCENTILE_CONT, linear interpolation): the same numbers on BigQuery and DuckDB.
-- APPROX_QUANTILES would transpile to DuckDB's t-digest APPROX_QUANTILE, which gives different values.
CREATE OR REPLACE VIEW ${dataset}.step_durations AS
WITH durations AS (
  SELECT step, duration_ms
  FROM ${dataset}.step_runs
  WHERE status = 'succeeded' AND duration_ms IS NOT NULL
  UNION ALL
  SELECT 'book' AS step, TIMESTAMP_DIFF(completed_at, requested_at, MILLISECOND) AS duration_ms
  FROM ${dataset}.books_latest
  WHERE status = 'ready' AND completed_at IS NOT NULL
),
ranked AS (
  SELECT
    step,
    duration_ms,
    PERCENTILE_CONT(duration_ms, 0.5) OVER (PARTITION BY step) AS p50_ms,
    PERCENTILE_CONT(duration_ms, 0.95) OVER (PARTITION BY step) AS p95_ms
  FROM durations
)
SELECT
  step,
  COUNT(*) AS runs,
  MIN(p50_ms) AS p50_ms,
  MIN(p95_ms) AS p95_ms,
  AVG(duration_ms) AS avg_ms,
  MAX(duration_ms) AS max_ms
FROM ranked
GROUP BY step
