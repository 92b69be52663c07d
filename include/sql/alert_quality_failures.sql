-- Failed quality suites of one run (SPEC section 4: ops get an alert naming the failed
-- expectations and a masked sample of offending rows). Parameters: :campaign_id, :run_id.
SELECT result_id, dataset, file_id, suite, evaluated, failed, failed_expectations_json, sample_json
FROM quality_results
WHERE campaign_id = :campaign_id
  AND run_id = :run_id
  AND success = :failed_flag
ORDER BY dataset, file_id, result_id
