-- Live eligible GMV for the milestones (SPEC section 6), in integer sen. A rough live figure
-- following payout rules 1-2 (the exact payout engine is include/sql/payouts.sql):
-- duplicate (order_id, line_id) rows collapse to the latest updated_at when every copy has
-- one, else to the last one ingested; the line counts when its status is completed,
-- delivered or settled, its order_time is in [:event_start, :counted_until), its creator
-- enrolled by :registration_closes and is not excluded.
-- Only rows of current files count (view current_files: a re-landed export replaces the old one).
-- Parameters: :campaign_id, :event_start, :counted_until, :registration_closes (UTC).
WITH versions AS (
    SELECT
        order_id, line_id, creator_id, order_time, status, gmv_sen, updated_at, file_id, row_number,
        COUNT(*) OVER (PARTITION BY order_id, line_id) AS copies,
        COUNT(updated_at) OVER (PARTITION BY order_id, line_id) AS copies_with_update
    FROM order_lines
    WHERE campaign_id = :campaign_id
      AND file_id IN (SELECT file_id FROM current_files WHERE campaign_id = :campaign_id)
),
ranked AS (
    SELECT
        creator_id, order_time, status, gmv_sen,
        ROW_NUMBER() OVER (
            PARTITION BY order_id, line_id
            ORDER BY CASE WHEN copies = copies_with_update THEN updated_at END DESC,
                     file_id DESC, row_number DESC
        ) AS pick
    FROM versions
)
SELECT COALESCE(SUM(gmv_sen), 0) AS eligible_gmv_sen, COUNT(*) AS eligible_lines
FROM ranked
WHERE pick = 1
  AND gmv_sen >= 0
  AND LOWER(TRIM(status)) IN ('completed', 'delivered', 'settled')
  AND order_time >= :event_start
  AND order_time < :counted_until
  AND creator_id IN (
      SELECT creator_id FROM enrollments
      WHERE campaign_id = :campaign_id AND registered_at <= :registration_closes
        AND file_id IN (SELECT file_id FROM current_files WHERE campaign_id = :campaign_id)
  )
  AND creator_id NOT IN (SELECT creator_id FROM exclusions WHERE campaign_id = :campaign_id)
