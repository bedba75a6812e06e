-- What readers ask for: books per genre, language, reader age band, chapter count and format.
-- share = fraction of all books (for formats a book counts once per requested format).
-- Age bands follow the reading levels: 2-7 early reader, 8-12 middle grade, 13-17 young adult, 18+ adult.
CREATE OR REPLACE VIEW ${dataset}.user_patterns AS
WITH facts AS (
  SELECT 'genre' AS dimension, COALESCE(genre, 'unknown') AS value FROM ${dataset}.books_latest
  UNION ALL
  SELECT 'language' AS dimension, COALESCE(language, 'unknown') AS value FROM ${dataset}.books_latest
  UNION ALL
  SELECT
    'reader_age' AS dimension,
    CASE
      WHEN reader_age IS NULL THEN 'unknown'
      WHEN reader_age <= 7 THEN '2-7'
      WHEN reader_age <= 12 THEN '8-12'
      WHEN reader_age <= 17 THEN '13-17'
      ELSE '18+'
    END AS value
  FROM ${dataset}.books_latest
  UNION ALL
  SELECT 'chapters' AS dimension, COALESCE(CAST(chapters AS STRING), 'unknown') AS value
  FROM ${dataset}.books_latest
  UNION ALL
  SELECT 'format' AS dimension, f AS value FROM ${dataset}.books_latest CROSS JOIN UNNEST(formats) AS f
)
SELECT
  dimension,
  value,
  COUNT(*) AS books,
  COUNT(*) / (SELECT COUNT(*) FROM ${dataset}.books_latest) AS share
FROM facts
GROUP BY dimension, value
