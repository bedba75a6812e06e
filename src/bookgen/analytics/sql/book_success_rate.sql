-- Book outcomes per day of request. success_rate = ready / finished (running books are not counted yet).
CREATE OR REPLACE VIEW ${dataset}.book_success_rate AS
SELECT
  DATE(requested_at) AS day,
  COUNT(*) AS books,
  COUNTIF(status = 'ready') AS ready,
  COUNTIF(status = 'failed') AS failed,
  COUNTIF(status = 'running') AS running,
  SAFE_DIVIDE(COUNTIF(status = 'ready'), COUNTIF(status IN ('ready', 'failed'))) AS success_rate
FROM ${dataset}.books_latest
GROUP BY day
