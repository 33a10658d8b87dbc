"""OR-Tools' min-cost flow solver, loaded with lazy symbol binding.

CPython opens an extension module with ``RTLD_NOW``: every function the library could
call is looked up when it loads. OR-Tools' compiled module brings the whole of
libortools (CP-SAT, routing, linear solvers and their dependencies), tens of thousands
of functions of which the flow solver calls a few hundred; resolving them all was about
a third of loading it (~20 ms of every `round match`). With ``RTLD_LAZY`` the dynamic
linker resolves a function the first time it is called instead, as it does for any
ordinary program. The flags are put back at once: other extension modules load as before.
"""

from __future__ import annotations

import os
import sys

__all__ = ["min_cost_flow"]

_flags = sys.getdlopenflags()
sys.setdlopenflags(os.RTLD_LAZY)
try:
    from ortools.graph.python import min_cost_flow
finally:
    sys.setdlopenflags(_flags)
