"""The demo: runs a campaign end to end with no services (`make demo`), answering the human steps.

Its data and servers are the stand-ins in `creator_ops.stand_ins`.
"""

import sys as _sys

# Transitional alias while parallel branches still import the old path; removed once main no longer does.
from creator_ops.stand_ins import data as _data

_sys.modules.setdefault(__name__ + ".data", _data)
