-- Enrolled creators for the milestones (SPEC section 6): distinct creators whose
-- registration counts, i.e. registered_at <= :registered_by, which the caller sets to
-- min(moment of evaluation, registration_closes). Parameters: :campaign_id, :registered_by (UTC).
SELECT COUNT(DISTINCT creator_id) AS creators_enrolled
FROM enrollments
WHERE campaign_id = :campaign_id
  AND file_id IN (SELECT file_id FROM current_files WHERE campaign_id = :campaign_id)
  AND registered_at <= :registered_by
