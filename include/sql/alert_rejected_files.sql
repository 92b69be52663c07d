-- Files rejected as a whole in one run (unreadable, missing columns, refused by the
-- warehouse), with their reason (SPEC section 6 problem alerts). Parameters:
-- :campaign_id, :run_id.
SELECT file_id, dataset, source_uri, rejection_reason
FROM ingested_files
WHERE campaign_id = :campaign_id
  AND run_id = :run_id
  AND status = 'rejected'
ORDER BY file_id
