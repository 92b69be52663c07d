"""The demo: runs a campaign end to end with no services (`make demo`), answering the human steps.

Its data and servers are the stand-ins in `creator_ops.stand_ins`.
"""
