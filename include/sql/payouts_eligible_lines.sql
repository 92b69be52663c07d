-- Eligible order lines, SPEC section 5 rules 1-2, in exact integer sen (DuckDB): the one
-- definition the payouts (include/sql/payouts.sql), the campaign figures (warehouse/metrics.py),
-- matchmaking history and the campaign review all read.
--
-- Relations (registered by creator_ops.core.payouts):
--   orders(order_id, line_id, creator_id, order_time TIMESTAMPTZ, status, gmv_sen BIGINT,
--          updated_at TIMESTAMPTZ NULL, row_number BIGINT,   -- row_number: unique, input order
--          product_id, content_type, commission_sen BIGINT)   -- carried through for the review
--   enrollments(creator_id, registered_at TIMESTAMPTZ, is_new_creator BOOLEAN, row_number BIGINT)
--   exclusions(creator_id)
-- This file defines table macros (run once per connection, `core.payouts.define_eligible_lines`);
-- a query reads them by name with the campaign's window:
--   eligible_lines(event_start, event_end, registration_closes)  -- one row per eligible line
--   enrolled(registration_closes)      -- rule 2's counting enrollment row of each enrolled creator
--   campaign_lines(event_start, event_end, registration_closes)
--       -- every winning line version in the event of an enrolled, not excluded creator whose
--       -- status is known, with `status` in its normal form, `eligible` (rule 2's status test) and
--       -- `live` (eligible or still open)
-- The status vocabulary (SPEC section 3) is creator_ops.core.order_status: the macros
-- order_status(s) (the normal form) and order_status_class(normal) are written from it before
-- this file runs.

-- Rule 1: one row per (order_id, line_id). The winner is found by input position only (an
-- integer), then the winning rows are picked by a semi-join: far cheaper than carrying
-- every column through the aggregate. When every copy has updated_at, the greatest wins
-- (ties: the later row); when any copy lacks it, the last one in the input wins.
CREATE OR REPLACE TEMP MACRO line_winners() AS TABLE
    SELECT
        CASE
            WHEN count(*) = count(updated_at)
                THEN arg_max(row_number, CAST(epoch_us(updated_at) AS HUGEINT) * 4294967296 + row_number)
            ELSE max(row_number)
        END AS row_number
    FROM orders
    WHERE order_id IS NOT NULL AND line_id IS NOT NULL AND creator_id IS NOT NULL AND gmv_sen >= 0
    GROUP BY order_id, line_id;

-- Rule 2: the creator's earliest enrollment row counts (ties: first in input), with its
-- is_new_creator; enrolled means that row is no later than registration_closes.
CREATE OR REPLACE TEMP MACRO enrolled(registration_closes) AS TABLE
    SELECT creator_id, first.is_new_creator AS is_new_creator, first.registered_at AS registered_at
    FROM (
        SELECT
            creator_id,
            arg_min({'registered_at': registered_at, 'is_new_creator': is_new_creator},
                    {'registered_at': registered_at, 'row_number': row_number}) AS first
        FROM enrollments
        WHERE creator_id IS NOT NULL AND registered_at IS NOT NULL
        GROUP BY creator_id
    )
    WHERE first.registered_at <= registration_closes;

-- Rules 1-2 but the status test: the winning version of each line, in the event, of an enrolled
-- creator (earliest enrollment row, with its is_new_creator and registered_at) who is not
-- excluded; `eligible` is rule 2's status test (the vocabulary's eligible class), `live` the
-- eligible or open classes. A line whose status is unknown is kept in the store but counted in
-- no figure (the orders suite fails naming it).
CREATE OR REPLACE TEMP MACRO campaign_lines(event_start, event_end, registration_closes) AS TABLE
    SELECT l.* EXCLUDE (status_class), l.status_class = 'eligible' AS eligible,
           l.status_class IN ('eligible', 'open') AS live, e.is_new_creator, e.registered_at
    FROM (
        SELECT s.*, order_status_class(s.status) AS status_class
        FROM (
            SELECT o.order_id, o.creator_id, o.order_time, o.gmv_sen, o.product_id, o.content_type,
                   o.commission_sen, order_status(o.status) AS status
            FROM orders AS o
            SEMI JOIN line_winners() AS w ON o.row_number = w.row_number
            WHERE o.order_time >= event_start AND o.order_time < event_end
        ) AS s
    ) AS l
    JOIN enrolled(registration_closes) AS e USING (creator_id)
    WHERE l.status_class <> 'unknown'
      AND l.creator_id NOT IN (SELECT creator_id FROM exclusions WHERE creator_id IS NOT NULL);

-- Rules 1-2: one row per eligible line.
CREATE OR REPLACE TEMP MACRO eligible_lines(event_start, event_end, registration_closes) AS TABLE
    SELECT * EXCLUDE (status, eligible, live)
    FROM campaign_lines(event_start, event_end, registration_closes)
    WHERE eligible;
