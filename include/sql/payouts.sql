-- Incentive payouts, SPEC section 5 (rules 3-9), in exact integer sen (DuckDB).
--
-- Relations (registered by creator_ops.core.payouts):
--   eligible_lines(order_id, creator_id, order_time TIMESTAMPTZ, gmv_sen BIGINT, is_new_creator, ...)
--     rules 1-2, defined once in include/sql/payouts_eligible_lines.sql
--   tiers(min_sen BIGINT, bonus_sen BIGINT)        prizes(rank BIGINT, prize_sen BIGINT)
-- Parameters: $rate_num, $rate_den (the commission rate as an exact fraction), $cap_sen
-- (NULL = no cap), $new_creator_bonus_sen, $budget_sen. Every money value is an integer;
-- divisions are integer floor divisions of non-negative numbers, so floor_to_sen is exact
-- and no binary float is ever involved.
WITH
-- Rule 3: per creator GMV, distinct orders and first eligible order time.
per_order AS (
    SELECT creator_id, order_id, sum(gmv_sen) AS gmv_sen, min(order_time) AS first_time,
           any_value(is_new_creator) AS is_new_creator
    FROM eligible_lines
    GROUP BY creator_id, order_id
),
per_creator AS (
    SELECT
        p.creator_id,
        CAST(sum(p.gmv_sen) AS BIGINT) AS eligible_gmv_sen,
        CAST(count(*) AS BIGINT) AS eligible_orders,
        min(p.first_time) AS first_order_time,
        any_value(p.is_new_creator) AS is_new_creator
    FROM per_order AS p
    GROUP BY p.creator_id
),
-- Rules 4-7 before the budget.
components AS (
    SELECT
        c.*,
        CAST(coalesce(
            (SELECT arg_max(t.bonus_sen, t.min_sen) FROM tiers AS t WHERE t.min_sen <= c.eligible_gmv_sen), 0
        ) AS BIGINT) AS tier_bonus_sen,
        CAST(least(
            (CAST(c.eligible_gmv_sen AS HUGEINT) * $rate_num) // $rate_den,
            coalesce(CAST($cap_sen AS HUGEINT), CAST(c.eligible_gmv_sen AS HUGEINT) * $rate_num)
        ) AS BIGINT) AS commission_bonus_sen,
        CAST(CASE WHEN c.is_new_creator AND c.eligible_orders >= 1 THEN $new_creator_bonus_sen ELSE 0 END
             AS BIGINT) AS new_creator_bonus_sen,
        CASE WHEN c.eligible_gmv_sen > 0 THEN row_number() OVER (
            PARTITION BY c.eligible_gmv_sen > 0
            ORDER BY c.eligible_gmv_sen DESC, c.eligible_orders DESC, c.first_order_time ASC, c.creator_id ASC
        ) END AS leaderboard_rank
    FROM per_creator AS c
),
awarded AS (
    SELECT
        c.*,
        CAST(coalesce(p.prize_sen, 0) AS BIGINT) AS leaderboard_prize_sen,
        sum(CAST(c.tier_bonus_sen + c.commission_bonus_sen + c.new_creator_bonus_sen AS HUGEINT)) OVER ()
            AS variable_total_sen,
        sum(CAST(coalesce(p.prize_sen, 0) AS HUGEINT)) OVER () AS prizes_awarded_sen
    FROM components AS c
    LEFT JOIN prizes AS p ON p.rank = c.leaderboard_rank
),
-- Rule 8: prizes are fixed; the variable components share what the budget leaves.
budgeted AS (
    SELECT
        a.*,
        CAST($budget_sen AS HUGEINT) - a.prizes_awarded_sen AS available_sen,
        a.variable_total_sen > CAST($budget_sen AS HUGEINT) - a.prizes_awarded_sen AS scaled
    FROM awarded AS a
),
final AS (
    SELECT
        creator_id,
        eligible_gmv_sen,
        eligible_orders,
        first_order_time,
        is_new_creator,
        leaderboard_rank,
        tier_bonus_sen AS unscaled_tier_bonus_sen,
        commission_bonus_sen AS unscaled_commission_bonus_sen,
        new_creator_bonus_sen AS unscaled_new_creator_bonus_sen,
        CAST(CASE WHEN scaled THEN tier_bonus_sen * available_sen // variable_total_sen
                  ELSE tier_bonus_sen END AS BIGINT) AS tier_bonus_sen,
        CAST(CASE WHEN scaled THEN commission_bonus_sen * available_sen // variable_total_sen
                  ELSE commission_bonus_sen END AS BIGINT) AS commission_bonus_sen,
        CAST(CASE WHEN scaled THEN new_creator_bonus_sen * available_sen // variable_total_sen
                  ELSE new_creator_bonus_sen END AS BIGINT) AS new_creator_bonus_sen,
        leaderboard_prize_sen,
        CAST(variable_total_sen AS BIGINT) AS variable_total_sen,
        CAST(available_sen AS BIGINT) AS available_sen,
        scaled
    FROM budgeted
)
-- Rule 9: one row per creator with at least one eligible line.
SELECT
    *,
    tier_bonus_sen + commission_bonus_sen + new_creator_bonus_sen + leaderboard_prize_sen AS total_sen
FROM final
ORDER BY creator_id
