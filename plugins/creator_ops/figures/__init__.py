"""The figures layer: every campaign figure computed in one place, over one DuckDB session fed by one reader.

The warehouse stores and reads (Arrow tables shaped by the registry); this package computes
what the surfaces show from what it reads: `campaign` (lines placed / live / eligible,
enrolled, selling, the milestone metrics), `hourly` (GMV per event hour, the projection's
reference), `snapshot` (a run's stored figures), `mechanisms` (traffic spent against the
boosted creators' GMV, matchmaking's sales history), `experiments` (the earlier campaigns of
the type and what they measured, SPEC 12 and 15) and `ecosystem` (section 13 over the
settled campaigns). Steps, the UI, milestones, the demo and the CLI call it; the warehouse
never imports it (tests/unit/layers).
"""
