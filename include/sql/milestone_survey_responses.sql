-- Survey responses for the milestones (SPEC section 6): submitted forms of every survey of
-- the campaign up to the moment of evaluation. Parameters: :campaign_id, :as_of (UTC).
SELECT COUNT(*) AS survey_responses
FROM survey_responses
WHERE campaign_id = :campaign_id
  AND file_id IN (SELECT file_id FROM current_files WHERE campaign_id = :campaign_id)
  AND submitted_at <= :as_of
