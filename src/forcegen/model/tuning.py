"""Every time share, work limit and numeric tolerance of the model and its solving, in one place.

Each constant says what it bounds and why it has its value; the measurements behind the shares
and devices are in ``models/FORMULATION.md``. The modules that use a constant import it from here.

The independent verifier (``verify.py``) and the logistics checks (``logistics.py``) keep tolerances
of their own on purpose: they check a written plan without trusting anything the model assumes.
"""

from __future__ import annotations

# ---------------------------------------------------------------- time: shares of a time limit
# Without a time limit (the default, except for the bundled baseline) none of these stops anything:
# every level runs to its proof. Under one, each is a share of the time that is left.

#: a level's share of the time left with n levels to go (the first included) is LEVEL_FRONT_LOAD/(n+1):
#: front-loaded, as the levels come in order of importance, yet no level starves the ones after it
#: (what a level does not use passes on; the last level gets all that is left)
LEVEL_FRONT_LOAD = 2.0
#: of the time left, at most, for solving the blocks of identical periods alone (periods.py)
PERIODS_SHARE = 0.5
#: of a level's time: for solving its parts, then for getting them to agree on leads (decompose.py)
PART_SHARES = (1 / 3, 2 / 3)
#: of a level's time limit, at most, for its LP relaxation
LP_SHARE = 0.1
#: of a level's time limit, at most, for a dive (a smaller model solved for a start)
DIVE_SHARE = 0.25

# ---------------------------------------------------------------- time: seconds
#: seconds between two progress reports of one solve
PROGRESS_EVERY = 1.0
#: CBC does not always honour its own time limit (SOLVERS.md): the process it runs is killed once
#: the limit plus this grace has passed (seconds, and a share of the limit)
CBC_GRACE = (0.5, 0.05)
#: and it is not started with less than this left (seconds) once its model files are written
CBC_LEAST_RUN = 0.1

# ---------------------------------------------------------------- work: how far a device goes
#: lead candidates kept per staffed task by lead-first (the best eligible nations of its relaxation)
LEAD_CANDIDATES = 3
#: lead candidates tried per task when the parts disagree on its lead (decompose.py)
LEAD_TRIES = 3
#: rounds of trimming for lift and re-staffing in a what-if's repaired start: trimming for lift can
#: break staffing, and emptying a task can add arrivals (repair.py)
LIFT_ROUNDS = 4
#: solving period by period first pays only when the whole model repeats the blocks' work at least
#: this many times over (its model periods against the blocks that have work; periods.py)
MIN_REPEAT = 2.0

# ---------------------------------------------------------------- tolerances
# A level's objective has coefficients in whole multiples of a step (its granularity, 1/m for the
# least power of ten m that makes them whole), so with whole units every plan's value is a multiple
# of the step too. Values are compared in steps, not in absolute or relative hairs.

#: two values of a level closer than this many steps are the same value (values are a step apart)
SAME_VALUE = 0.5
#: the absolute MIP gap that proves a level optimal, in steps: below one step, no better value is left
PROOF_GAP = 0.999
#: the absolute MIP gap of a solve whose objective's step is not known (below any granularity used)
ABS_GAP = 1e-6

#: a row, a hold or an objective value is kept within this (absolute, and relative to values above 1):
#: the solvers' own primal feasibility tolerance
FEASIBILITY = 1e-6
#: a column of an integer variable is whole within this (CBC hands back values such as 2.9999999)
INTEGRALITY = 1e-5
#: a figure times a power of ten is whole within this (relative): how the step, the CP-SAT scaling
#: and the supply flow's scale are found, and when a remaining excess counts as none
EXACT = 1e-9
#: CP-SAT rows are scaled to whole coefficients and their bounds rounded inwards, less this margin
CP_ROUNDING = 1e-7
