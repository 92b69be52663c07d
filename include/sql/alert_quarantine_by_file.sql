-- Files ingested in one run with their quarantined share inputs (SPEC section 6 problem
-- alerts). Parameters: :campaign_id, :run_id.
SELECT file_id, dataset, source_uri, rows_in, rows_quarantined
FROM ingested_files
WHERE campaign_id = :campaign_id
  AND run_id = :run_id
  AND rows_in > 0
ORDER BY file_id
