-- The latest row of each book. `books` is append-only (a book may be recorded `running`, then `ready` or
-- `failed`; a re-run may record it again), so every view reads books through this one.
CREATE OR REPLACE VIEW ${dataset}.books_latest AS
SELECT
  book_id, requester, requested_at, completed_at, status, language, genre, reader_age, chapters, words,
  cost_usd, formats, quality_passed
FROM ${dataset}.books
WHERE TRUE
QUALIFY ROW_NUMBER() OVER (
  PARTITION BY book_id
  ORDER BY COALESCE(completed_at, requested_at) DESC, CASE WHEN status = 'running' THEN 1 ELSE 0 END
) = 1
