-- Payout calculations still waiting for approval since before :cutoff (now - 24 h).
-- Parameters: :campaign_id, :cutoff (UTC).
SELECT calculation_id, creators, total_sen, calculated_at
FROM payout_calculations
WHERE campaign_id = :campaign_id
  AND state = 'calculated'
  AND calculated_at <= :cutoff
ORDER BY calculated_at, calculation_id
