-- Step attempts per step: how often an attempt succeeds, and how many were retries (attempt > 1).
CREATE OR REPLACE VIEW ${dataset}.step_success_rate AS
SELECT
  step,
  COUNT(*) AS runs,
  COUNTIF(status = 'succeeded') AS succeeded,
  COUNTIF(status = 'failed') AS failed,
  COUNTIF(attempt > 1) AS retries,
  COUNT(DISTINCT book_id) AS books,
  SAFE_DIVIDE(COUNTIF(status = 'succeeded'), COUNT(*)) AS success_rate
FROM ${dataset}.step_runs
GROUP BY step
