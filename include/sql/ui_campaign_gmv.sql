-- GMV of one campaign for the campaigns view: eligible statuses inside the event window,
-- one row per (order_id, line_id) where the latest version wins (greatest updated_at when
-- present, else the last row ingested). Enrollment and exclusion rules are the payout
-- steps' job; this is the running figure ops compare with the target.
WITH versions AS (
    SELECT
        gmv_sen,
        status,
        order_time,
        ROW_NUMBER() OVER (
            PARTITION BY order_id, line_id
            ORDER BY CASE WHEN updated_at IS NULL THEN 1 ELSE 0 END,
                     updated_at DESC,
                     file_id DESC,
                     "row_number" DESC
        ) AS version
    FROM order_lines
    WHERE campaign_id = :campaign_id
)
SELECT COALESCE(SUM(gmv_sen), 0) AS gmv_sen, COUNT(*) AS lines
FROM versions
WHERE version = 1
  AND LOWER(TRIM(status)) IN ('completed', 'delivered', 'settled')
  AND order_time >= :event_start
  AND order_time < :event_end
