"""Lexicographic solve: Problem -> Plan.

Levels (SPEC section 2): shortfall of priority 1, 2, … 5, then cost, then the
number of contributions. Each level is minimized; its value is then held with a
row ``Σ coefs·x ≤ value + ε`` (ε below the objective's granularity, so the hold
is exact) before the next level. Each level starts from the previous level's
plan, which is feasible for it; the empty plan starts the first level, so valid
input always yields a plan. A level with no variables is settled without a
solver call.

By default (``PlanOptions``; ``models/FORMULATION.md``, "How each level is solved by
default") a level is settled without a solve when its start reaches a bound known in
advance (0 for non-negative levels; a restricted what-if's baseline, ``lower``); a
shortfall level is otherwise first dived (``_priority_dive``: only its own tasks
re-planned, exact on the first level) and then solved as one model from the best plan
found. Where lift or rotation keeps identical periods apart, each block of periods is
first solved alone (``periods.py``): its proven values bound the levels, and the blocks'
plans put together start them. Solving part by part (``decompose.py``) and through the
lead-share relaxation (``_solve_lead_first``) are options, off by default. With a time
limit, each level gets ``level_budget`` of what is left, so that no level starves the
ones after it.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, replace
from typing import Callable

from ..domain import Allocation, LevelResult, Plan, Problem, SolveInfo
from .backends import Result, SolveOptions, get_backend
from .build import Built, build
from .decompose import PartSolver
from .periods import PeriodBounds, solve_by_periods, worth_it
from .linear import Objective, Row, integer_scale
from .repair import repaired_start
from .tuning import (DIVE_SHARE, EXACT, FEASIBILITY, LEAD_CANDIDATES, LEVEL_FRONT_LOAD, LP_SHARE, PART_SHARES,
                     PERIODS_SHARE, PROOF_GAP, SAME_VALUE)


@dataclass(frozen=True)
class PlanOptions:
    solver: str = "highs"
    time_limit: float | None = None  # seconds for all levels together
    gap: float = 0.0  # relative gap accepted at each level
    threads: int = 1
    seed: int = 0
    formulation: str = "default"  # default | naive (the reference big-M model)
    lead_first: bool = False  # solve each level's lead-share relaxation first (see _solve_lead_first)
    by_parts: bool = False  # solve each level part by part first (see decompose.py); default formulation only
    # a start for each shortfall level: "priority" (the level's own tasks re-planned, _priority_dive),
    # "lead" (the leads the LP relaxation suggests, _lead_dive) or "none";
    # the three devices apply to the default formulation only: the naive one is the plain reference
    dive: str = "priority"
    # solve each block of identical periods alone first, where lift or rotation splits blocks, for the
    # levels' bounds and a start (periods.py; models/FORMULATION.md, "Period by period first");
    # default formulation only
    periods: bool = True

    def as_dict(self) -> dict:
        return {"solver": self.solver, "time_limit": self.time_limit, "gap": self.gap, "threads": self.threads,
                "seed": self.seed, "formulation": self.formulation, "lead_first": self.lead_first,
                "by_parts": self.by_parts, "dive": self.dive, "periods": self.periods}


Event = Callable[[str, dict], None]


def _granularity(obj: Objective) -> float:
    """The step between distinct objective values with integer variables: 1/m."""
    return 1.0 / integer_scale(obj.coefs)


def _relative_gap(value: float, bound: float | None) -> float | None:
    if bound is None:
        return None
    diff = max(0.0, value - bound)
    if diff <= EXACT * max(1.0, abs(value)):
        return 0.0
    return diff / max(abs(value), EXACT)


def solve_problem(problem: Problem, options: PlanOptions = PlanOptions(), on_event: Event | None = None,
                  built: Built | None = None, reference: Plan | None = None, start: Plan | None = None,
                  lower: Plan | None = None) -> Plan:
    """Solve every level in order and return the plan with its solve log.

    With a ``reference`` plan (a what-if's baseline), a last level ``changes``
    then moves as few units as possible relative to it, holding every level.
    With a ``start`` plan (a what-if's baseline, say), the first level starts from
    it, repaired to keep every rule of this problem (``repair.py``), instead of
    from the empty plan. ``lower`` is a plan of a problem that this one restricts
    (``bounds.restricts``), proven optimal at its first levels at least: while this problem
    reaches its level values, each of its next proven values bounds this problem's next level
    from below (``bounds.py``, ``_lower_values``), so a level whose
    start reaches it needs no solve, and a solve stops once it reaches it. None of them
    changes a level's optimum, only the way there.
    """
    emit = on_event or (lambda kind, data: None)
    backend = get_backend(options.solver)
    t_start = time.perf_counter()
    if built is None:
        emit("phase", {"name": "build"})
        built = build(problem, formulation=options.formulation, reference=reference)
    model = built.model
    build_s = time.perf_counter() - t_start
    emit("build_done", {"seconds": build_s, "variables": model.num_vars, "rows": len(model.rows)})
    session = backend.open(model)
    parts = None
    if options.by_parts and options.formulation == "default" and "bounds" in session.can:
        parts = PartSolver.create(built, backend)
        emit("parts", {"count": 0 if parts is None else len(parts.parts)})
    holds: list[Row] = []
    current = [0.0] * model.num_vars  # the empty plan: admissible for every rule
    if start is not None:
        repaired = repaired_start(built, start)
        emit("start", {"repaired": repaired is not None})
        if repaired is not None:
            current = repaired
    by_periods = None
    # solved when the first level needs a solve (a what-if's start may settle every level without it)
    periods_pending = options.periods and options.formulation == "default" and worth_it(problem, built)
    levels: list[LevelResult] = []
    n_levels = len(built.objectives)
    bounds = _lower_values(lower, built)
    guide = None  # the reference plan in this model's columns, for the changes level's dive
    for i, obj in enumerate(built.objectives, start=1):
        emit("level_start", {"index": i, "of": n_levels, "name": obj.name})
        t_level = time.perf_counter()
        remaining = None if options.time_limit is None else max(0.0, options.time_limit - (t_level - t_start))
        start_value = obj.value(current)
        step = _granularity(obj) if obj.cols else 1.0
        floor = _known_floor(obj, model, bounds, i)  # a proven lower bound (no constant), or None
        if periods_pending and not obj.empty and (floor is None or start_value > floor + SAME_VALUE * step):
            periods_pending = False
            by_periods = _solve_periods(problem, options, emit, t_start)
            if by_periods is not None and not _reaches(built, by_periods, current, i):
                by_periods = None  # an earlier level is worse than its blocks' bound: they bound nothing here
            if by_periods is not None:
                joined = repaired_start(built, by_periods.plan)
                if joined is not None and _better(built, joined, current, i):
                    current = joined
                    start_value = obj.value(current)
            t_level = time.perf_counter()  # the blocks' seconds are not this level's
            remaining = None if options.time_limit is None else max(0.0, options.time_limit - (t_level - t_start))
        by_period = None if by_periods is None else by_periods.floor(i, built)
        if by_period is not None:
            floor = by_period if floor is None else max(floor, by_period)
        if obj.empty:
            lr = LevelResult(obj.name, "optimal", obj.constant, obj.constant, 0.0, 0.0)
        elif floor is not None and start_value <= floor + SAME_VALUE * step:  # the start reaches a proven bound
            total = obj.constant + start_value
            lr = LevelResult(obj.name, "optimal", total, total, 0.0, time.perf_counter() - t_level)
        elif remaining is not None and remaining <= 0:
            lr = LevelResult(obj.name, "not_solved", obj.constant + start_value, None, None, 0.0)
        else:
            left = sum(1 for o in built.objectives[i - 1:] if not o.empty)
            budget = None if remaining is None else level_budget(remaining, left)
            opts = SolveOptions(time_limit=budget, gap=options.gap, abs_gap=PROOF_GAP * step,
                                threads=options.threads, seed=options.seed,
                                progress=_progress_reporter(emit, i, n_levels, obj, t_level))
            res = None
            if parts is not None:
                by_parts = _solve_by_parts(parts, session, model, holds, obj, opts, current, step, t_level)
                if by_parts is None:  # a part did not finish: its bound is lost, so are the parts' holds
                    parts = None
                elif by_parts.status == "optimal":
                    res = by_parts
                else:
                    floor = by_parts.bound if floor is None or by_parts.bound is None else max(floor, by_parts.bound)
                    if by_parts.values is not None:  # the parts' plan, better than the last level's
                        current = by_parts.values
                        start_value = obj.value(current)
            if (res is None and options.lead_first and obj.name.startswith("shortfall") and built.lead_share_rows
                    and "bounds" in session.can):
                res = _solve_lead_first(session, built, obj, _with_time_left(opts, t_level), current, step)
            if (res is None and options.dive in DIVES and options.formulation == "default"
                    and obj.name.startswith("shortfall") and DIVES[options.dive][1] <= session.can):
                dived, exact = DIVES[options.dive][0](session, built, obj, opts, current, t_level)
                if dived is not None and dived.objective < start_value - SAME_VALUE * step:
                    current, start_value = dived.values, dived.objective
                if exact and dived is not None and dived.status == "optimal":  # the level itself, solved smaller
                    dived.seconds = time.perf_counter() - t_level
                    res = dived
            if (res is None and obj.name == "changes" and reference is not None and options.formulation == "default"
                    and "bounds" in session.can):
                if guide is None:
                    guide = repaired_start(built, reference) or [0.0] * model.num_vars
                dived = _changes_dive(session, built, obj, opts, current, t_level, guide)
                if dived is not None and dived.objective < start_value - SAME_VALUE * step:
                    current, start_value = dived.values, dived.objective
            if (res is None and options.formulation == "default" and "relaxation" in session.can
                    and all(model.integer[c] for c in obj.cols)):  # values in whole steps (not the moved units)
                settled, lp_floor = _lp_settles(session, obj, opts, start_value, step, t_level)
                if lp_floor is not None:
                    floor = lp_floor if floor is None else max(floor, lp_floor)
                if settled:
                    res = Result("optimal", current, start_value, start_value, time.perf_counter() - t_level,
                                 "the LP relaxation's bound reached")
            if res is None:  # the whole level; with a known bound, a plan that reaches it will do
                whole = opts if floor is None else replace(opts, good_enough=floor + SAME_VALUE * step)
                res = session.solve(obj, _with_time_left(whole, t_level), start=current)
            if floor is not None:  # a known bound holds whatever solved the rest
                res.bound = floor if res.bound is None else max(res.bound, floor)
                if res.has_solution and res.objective <= floor + SAME_VALUE * step:
                    res.status = "optimal"
            if res.has_solution and res.objective <= start_value + SAME_VALUE * step:
                current = res.values
                value = res.objective
            else:  # no better plan found in time: keep the previous level's plan
                value = start_value
            status = res.status if res.has_solution else ("not_solved" if res.status == "no_solution" else res.status)
            if status == "optimal" and value > (res.objective or value) + SAME_VALUE * step:
                status = "feasible"
            bound = None if res.bound is None else obj.constant + min(res.bound, value)
            if status == "optimal":
                bound = obj.constant + value
            total = obj.constant + value
            lr = LevelResult(obj.name, status, total, bound, _relative_gap(total, bound),
                             time.perf_counter() - t_level)
        levels.append(lr)
        emit("level_done", {"index": i, "of": n_levels, "level": lr})
        if bounds and (i > len(bounds) or abs(lr.value - bounds[i - 1]) > SAME_VALUE * step):
            bounds = []  # this problem is worse than the other at this level: no bound after it
        if by_periods is not None and not obj.empty and (by_period is None
                                                         or obj.value(current) > by_period + SAME_VALUE * step):
            by_periods = None  # the links between periods cost this level: the blocks bound nothing after it
        if not obj.empty:
            value = obj.value(current)
            hold = Row(f"hold[level={obj.name}]", list(obj.cols), list(obj.coefs), float("-inf"),
                       value + SAME_VALUE * step)
            session.add_row(hold)
            holds.append(hold)
            if parts is not None:
                parts.hold(obj, value, step, current)
    runtime = time.perf_counter() - t_start
    plan_status = "optimal" if all(lv.status == "optimal" for lv in levels) else "feasible"
    gaps = [lv.gap for lv in levels if lv.gap is not None]
    gap = max(gaps) if gaps and len(gaps) == len(levels) else (None if plan_status != "optimal" else 0.0)
    info = SolveInfo(
        solver=backend.name,
        solver_version=backend.version(),
        status=plan_status,
        gap=gap,
        runtime_s=runtime,
        options={**options.as_dict(), "build_s": round(build_s, 3)},
        levels=tuple(levels),
    )
    return extract_plan(built, current, info)


def _solve_periods(problem: Problem, options: PlanOptions, emit: Event, t_start: float) -> PeriodBounds | None:
    """Each block of identical periods solved alone (periods.py), within its share of the time left."""
    emit("phase", {"name": "solve period by period"})
    t_phase = time.perf_counter()
    limit = None if options.time_limit is None else \
        max(0.0, options.time_limit - (t_phase - t_start)) * PERIODS_SHARE
    sub_options = replace(options, periods=False)

    def solve(sub: Problem, sub_built: Built, left: float | None, lower: Plan | None,
              start: Plan | None = None) -> Plan:
        return solve_problem(sub, replace(sub_options, time_limit=left), built=sub_built, lower=lower, start=start)

    result = solve_by_periods(problem, solve, limit)
    emit("periods_done", {"seconds": time.perf_counter() - t_phase,
                          "levels": 0 if result is None else len(result.per_period)})
    return result


def _step(obj: Objective) -> float:
    """Half the step between distinct values of a level (``SAME_VALUE``): the tolerance of comparisons and holds."""
    return SAME_VALUE * (_granularity(obj) if obj.cols else 1.0)


def _better(built: Built, a: list[float], b: list[float], i: int) -> bool:
    """Whether plan a keeps the holds of plan b's levels before i (no worse there) and its levels from i
    on are lexicographically better than b's."""
    objs = built.objectives
    if any(o.value(a) > o.value(b) + _step(o) for o in objs[:i - 1]):
        return False
    for obj in objs[i - 1:]:
        va, vb = obj.value(a), obj.value(b)
        if va < vb - _step(obj):
            return True
        if va > vb + _step(obj):
            return False
    return False


def _reaches(built: Built, by_periods: PeriodBounds, values: list[float], i: int) -> bool:
    """Whether the plan reaches the blocks' bound on every level before i (so that they bound level i)."""
    for j, obj in enumerate(built.objectives[:i - 1], start=1):
        if obj.empty:
            continue
        floor = by_periods.floor(j, built)
        if floor is None or obj.value(values) > floor + _step(obj):
            return False
    return True


def _lower_values(lower: Plan | None, built: Built) -> list[float]:
    """The level values (with constants) of ``lower``'s levels proven optimal, from the first up to the
    first one that is not, when they are this model's levels in the same order; else none.

    A level proven optimal after proven levels is the least value over the other problem's plans that
    reach the levels before it, so it bounds this problem's level while this one reaches them too;
    a level after an unproven one bounds nothing."""
    if lower is None or lower.info is None:
        return []
    names = [obj.name for obj in built.objectives]
    mine = [lv.name for lv in lower.info.levels]
    if mine != names[:len(mine)]:
        return []
    return [lv.value for lv in lower.info.proven]


def _known_floor(obj: Objective, model, bounds: list[float], i: int) -> float | None:
    """A lower bound on level i (without its constant) known before solving: 0 for a level
    with non-negative coefficients over non-negative columns, and the other problem's value
    while this one has matched it on every level before (``bounds``)."""
    floor = None
    if obj.cols and all(a >= 0 for a in obj.coefs) and all(model.lb[c] >= 0 for c in obj.cols):
        floor = 0.0
    if i <= len(bounds):
        other = bounds[i - 1] - obj.constant
        floor = other if floor is None else max(floor, other)
    return floor


def _solve_by_parts(parts: PartSolver, session, model, holds: list[Row], obj: Objective, opts: SolveOptions,
                    current: list[float], step: float, t_level: float) -> Result | None:
    """The level part by part (decompose.py), in at most two thirds of its time. Exact.

    Returns an optimal Result when the parts' plans put together reach their bound; a
    Result with status "bound" when they do not (the whole model's plan is then optimal
    as soon as it reaches that bound; a cut row f ≥ bound was tried and measured slower),
    whose values are the parts' plan put together when it keeps every rule and beats the
    last level's plan (the whole model then starts from it), and whose bound is None once
    the parts hold the last plan's shares (``PartSolver.hold``); None when a part has no bound.
    """
    def left(stage: int) -> float | None:  # seconds left for solving the parts (1), for agreeing on leads (2)
        if opts.time_limit is None:
            return None
        return max(0.0, opts.time_limit * PART_SHARES[stage - 1] - (time.perf_counter() - t_level))

    bound, values = parts.solve_level(obj, opts, current, model.rows + holds, holds, step, left)
    seconds = time.perf_counter() - t_level
    if bound is None:
        return None
    start = None
    if values is not None:
        value = obj.value(values)
        if value <= bound + SAME_VALUE * step:  # never with bound -inf: the parts hold the last plan's shares
            return Result("optimal", values, value, bound, seconds, "parts: bound reached")
        if value < obj.value(current):
            start = values
    known = bound if bound > float("-inf") else None
    return Result("bound", start, None, known, seconds, "parts: bound and a start" if start else "parts: bound")


def level_budget(remaining: float, levels_left: int) -> float:
    """The share of the time left that the next level may use: 2/(n+1) of it with n levels left
    (``LEVEL_FRONT_LOAD``).

    Front-loaded, as the levels are in order of importance, yet no level can starve the
    ones after it; what a level does not use passes on, and the last level gets all that
    is left. With 7 levels and 300 s the first gets 75 s.
    """
    return remaining * LEVEL_FRONT_LOAD / (levels_left + 1)


def _progress_reporter(emit: Event, index: int, of: int, obj: Objective, t_level: float):
    """Turn a solver's (incumbent, bound) reports into ``level_progress`` events for the planner."""
    def report(incumbent: float | None, bound: float | None) -> None:
        value = None if incumbent is None else obj.constant + incumbent
        low = None if bound is None else obj.constant + bound
        gap = None if value is None else _relative_gap(value, low)
        emit("level_progress", {"index": index, "of": of, "name": obj.name, "incumbent": value, "bound": low,
                                "gap": gap, "seconds": time.perf_counter() - t_level})
    return report


def _remaining(opts: SolveOptions, t0: float) -> float | None:
    """What is left at this moment of ``opts.time_limit`` counted from t0 (None: no limit)."""
    if opts.time_limit is None:
        return None
    return max(0.01, opts.time_limit - (time.perf_counter() - t0))


def _with_time_left(opts: SolveOptions, t0: float) -> SolveOptions:
    """``opts`` with what is left of its time limit counted from t0 (what the parts or a relaxation used is gone)."""
    return replace(opts, time_limit=_remaining(opts, t0))


def _solve_lead_first(session, built: Built, obj: Objective, opts: SolveOptions, current: list[float],
                      step: float) -> Result | None:
    """One level, solved through its lead-share relaxation first. Exact; HiGHS sessions only.

    The lead-share rule (5f) is what makes the model hard. So:
    1. solve the level with the rows Σ v = a·P relaxed: its optimum V_R bounds the level from below;
    2. keep as lead candidates of each staffed task the ``LEAD_CANDIDATES`` best eligible nations of
       that plan (present in every staffed period, largest least share), the others barred, and
       solve again with every rule: a plan that keeps all rules, of value V_F;
    3. if V_F = V_R the level is proven optimal; otherwise solve the full level from the better
       plan, with the valid cut f ≥ V_R, which lets the solver stop as soon as it reaches it.
    Returns None when the relaxation does not finish in half the level's time (the caller then
    solves directly with what is left).
    """
    t0 = time.perf_counter()
    rows = built.lead_share_rows
    inf = float("inf")
    session.set_row_bounds(rows, [-inf] * len(rows), [inf] * len(rows))
    half = None if opts.time_limit is None else opts.time_limit / 2  # the rest is for a plan that keeps every rule
    try:
        relaxed = session.solve(obj, replace(opts, time_limit=half), start=current)
    finally:
        session.set_row_bounds(rows, [0.0] * len(rows), [0.0] * len(rows))
    if relaxed.status != "optimal" or relaxed.bound is None:
        return None
    lower = relaxed.bound
    cols, lo, hi = _lead_bounds(built, relaxed.values)
    model = built.model
    session.set_col_bounds(cols, lo, hi)
    try:
        fixed = session.solve(obj, replace(opts, time_limit=_remaining(opts, t0)), start=None)
    finally:
        session.set_col_bounds(cols, [model.lb[c] for c in cols], [model.ub[c] for c in cols])
    seconds = time.perf_counter() - t0
    if fixed.has_solution and fixed.objective <= lower + SAME_VALUE * step:
        return Result("optimal", fixed.values, fixed.objective, lower, seconds, "lead-first: bound reached")
    start_value = obj.value(current)
    start = fixed.values if fixed.has_solution and fixed.objective < start_value else current
    session.add_row(Row(f"cut[level={obj.name}]", list(obj.cols), list(obj.coefs), lower - SAME_VALUE * step, inf))
    full = session.solve(obj, replace(opts, time_limit=_remaining(opts, t0)), start=start)
    full.seconds = time.perf_counter() - t0
    if full.bound is not None:
        full.bound = max(full.bound, lower)
    elif full.has_solution:
        full.bound = lower
    return full


def _lp_settles(session, obj: Objective, opts: SolveOptions, start_value: float, step: float,
                t_level: float) -> tuple[bool, float | None]:
    """The level's LP relaxation: (whether the start is optimal, the bound it gives).

    With integer columns and coefficients in multiples of ``step`` every plan's value is a multiple of
    ``step``, so the least is at least the LP optimum rounded up to one: a start there is optimal, and
    the level needs no branch and bound. (HiGHS rounds its own bounds the same way once it finds the
    objective integral; the margin below the LP value covers its tolerances as its gap does.)
    Measured on the core baseline: priorities 2 and 3, whose dive plans the LP proves optimal in
    0.07-0.08 s, where the whole solve took 1.6 and 0.5 s (most of it HiGHS's presolve and root);
    the LP costs 0.05-0.13 s on the levels it does not settle.
    """
    limit = None if opts.time_limit is None else min(_remaining(opts, t_level), opts.time_limit * LP_SHARE)
    lp = session.relaxation(obj, replace(opts, time_limit=limit, progress=None))
    if lp is None:
        return False, None
    bound = obj.value(lp) / step
    floor = step * math.ceil(bound - FEASIBILITY - EXACT * abs(bound))  # rounded up, less a hair for the LP's tolerance
    return start_value <= floor + SAME_VALUE * step, floor


def _dive_limit(opts: SolveOptions, t_level: float) -> float | None:
    left = _remaining(opts, t_level)
    return None if left is None else min(left, opts.time_limit * DIVE_SHARE)


def _task_columns(built: Built) -> dict[str, list[int]]:
    """Every column that belongs to one task (x, y, z, lead, v), by task."""
    if built.task_cols is None:
        out: dict[str, list[int]] = {}
        for keys, col in built.x.items():
            out.setdefault(keys[1], []).append(col)
        for table in (built.y, built.v):
            for (_n, tid, _k), col in table.items():
                out.setdefault(tid, []).append(col)
        for (tid, _k), col in built.z.items():
            out.setdefault(tid, []).append(col)
        for (_n, tid), col in built.lead.items():
            out.setdefault(tid, []).append(col)
        built.task_cols = out
    return built.task_cols


def _priority_dive(session, built: Built, obj: Objective, opts: SolveOptions, current: list[float],
                   t_level: float) -> tuple[Result | None, bool]:
    """A plan for shortfall level k that re-plans only the tasks of priority k. A primal heuristic.

    The tasks of earlier priorities keep the last level's plan (their columns fixed), those
    of later priorities are left empty, and the level is solved over what is left: a model
    a fraction of the size, whose plan keeps every rule of the whole (fixing and emptying
    only tighten bounds; an empty task keeps every rule; the held levels' rows involve only
    the fixed tasks). Measured on the baseline: priorities 2-4 in 0.6-0.8 s each against
    1.7-4.8 s with the lead dive, the whole solve then proving the dive's plan optimal at once.

    A later task with columns that add capacity to a rule of SPEC section 5 (depot and lift
    units, ``Built.enabling``) is left free, not emptied: its depot can be what lets an
    earlier task's troops be supplied.

    Returns (result, exact): exact when no earlier-priority task has a column, so that the
    smaller model has the same optimum as the level (emptying later tasks loses nothing
    for level k: their units only use up supplies, lift and capacity, and an empty task keeps
    its staffing rules): its optimal plan then settles the level.
    """
    prio = int(obj.name.rsplit("p", 1)[1])
    cols, lo, hi = [], [], []
    exact = True
    for tid, task_cols in _task_columns(built).items():
        p = built.problem.task[tid].priority
        if p < prio:
            exact = False
            cols += task_cols
            lo += [current[c] for c in task_cols]
            hi += [current[c] for c in task_cols]
        elif p > prio and built.enabling.isdisjoint(task_cols):
            cols += task_cols
            lo += [0.0] * len(task_cols)
            hi += [0.0] * len(task_cols)
    return _dive(session, built, obj, opts, current, t_level, cols, lo, hi), exact


def _lead_dive(session, built: Built, obj: Objective, opts: SolveOptions, current: list[float],
               t_level: float) -> tuple[Result | None, bool]:
    """A good plan for the level, fast, to start the whole level from. A primal heuristic: exact
    only in that the plan it returns keeps every rule (it is a plan of the model with fewer choices).

    On this model the root bound is often tight at once and the time goes into finding a plan
    that reaches it (the baseline's priority 4: bound at 0.9 s, the plan at 22 s). So:
    1. solve the LP relaxation of the level (a fraction of a second);
    2. fix every task's lead: a task staffed in the last level's plan keeps its lead (the held
       levels rarely allow another), any other task takes the nation with the largest lead value
       in the LP, or no lead at all (it stays unstaffed) where the LP gives every nation 0;
    3. solve the level with the leads fixed (no lead choice left: an easier model), for at most
       a quarter of the level's time.
    Its plan, when better than the last level's, is the start of the whole level. Shortfall
    levels only: by the cost and contributions levels every task's staffing is held, its lead
    is kept, and the dive would solve nearly the whole level twice (measured slower there).
    """
    if not built.lead:
        return None, False
    limit = None if opts.time_limit is None else opts.time_limit * DIVE_SHARE
    lp = session.relaxation(obj, replace(opts, time_limit=limit))
    if lp is None:
        return None, False
    cols, hi = [], []
    candidates: dict[str, list[tuple[str, int]]] = {}
    for (n, tid), col in sorted(built.lead.items()):
        candidates.setdefault(tid, []).append((n, col))
    for tid, nations in candidates.items():
        kept = [col for _, col in nations if current[col] > 0.5]
        if kept:
            chosen = kept[0]
        else:  # the largest lead value in the LP, the first nation (by id) among equals
            best = max(range(len(nations)), key=lambda i: (lp[nations[i][1]], -i))
            chosen = nations[best][1] if lp[nations[best][1]] > FEASIBILITY else None
        for _, col in nations:
            cols.append(col)
            hi.append(1.0 if col == chosen else 0.0)
    return _dive(session, built, obj, opts, current, t_level, cols, [0.0] * len(cols), hi), False


def _changes_dive(session, built: Built, obj: Objective, opts: SolveOptions, current: list[float],
                  t_level: float, guide: list[float]) -> Result | None:
    """A plan for the changes level (fewest units moved against a what-if's baseline) near that baseline.
    A primal heuristic, the baseline's plan as its guide.

    The level starts from the contributions level's plan, which holds every level but is as far from
    the baseline as any: nothing asked it to stay close. Every allocation column on which that plan
    and the baseline's plan (repaired to this model, ``guide``) agree is fixed at their common value,
    and the level is solved over the columns where they differ: a small model (the drop-DEU what-if of
    the core baseline: 261 of 1,687 columns free) whose plan keeps every rule and every held level,
    since the contributions plan is one of its plans. Its plan starts the whole level. Measured there
    (HiGHS, one run each): 0.23 s for 454 units moved against the optimum 432; the whole level then
    takes 15.3 s instead of 22.6 s from the contributions plan (12.8 s from the optimum itself).
    """
    cols = [c for c in built.x.values() if abs(current[c] - guide[c]) < 0.5]
    if not cols:
        return None
    fixed = [current[c] for c in cols]
    return _dive(session, built, obj, opts, current, t_level, cols, fixed, fixed)


def _dive(session, built: Built, obj: Objective, opts: SolveOptions, current: list[float], t_level: float,
          cols: list[int], lo: list[float], hi: list[float]) -> Result | None:
    """Solve the level from ``current`` with these columns' bounds narrowed to ``lo``..``hi``, in a dive's
    share of its time; the bounds are restored whatever happens. The plan found, or None."""
    model = built.model
    session.set_col_bounds(cols, lo, hi)
    try:
        res = session.solve(obj, replace(opts, time_limit=_dive_limit(opts, t_level), progress=None), start=current)
    finally:
        session.set_col_bounds(cols, [model.lb[c] for c in cols], [model.ub[c] for c in cols])
    return res if res.has_solution else None


#: the dives by name (PlanOptions.dive): the function, and what the session must be able to do
DIVES = {"priority": (_priority_dive, frozenset({"bounds"})), "lead": (_lead_dive, frozenset({"bounds", "relaxation"}))}


def _lead_bounds(built: Built, values: list[float]) -> tuple[list[int], list[float], list[float]]:
    """Bounds fixing the lead of every task staffed in ``values`` (others stay free)."""
    staffed: dict[str, list[int]] = {}
    for (tid, k), z in built.z.items():
        if values[z] > 0.5:
            staffed.setdefault(tid, []).append(k)
    candidates: dict[str, list[str]] = {}
    for (n, tid) in built.lead:
        candidates.setdefault(tid, []).append(n)
    cols, lo, hi = [], [], []
    for tid, nations in sorted(candidates.items()):
        periods = staffed.get(tid)
        if not periods:
            continue

        def personnel(n: str, k: int) -> float:
            return sum(values[c] * built.ppu[c] for c in built.x_by_ntk.get((n, tid, k), ()))

        def score(n: str) -> tuple:
            present = all(values[built.y[(n, tid, k)]] > 0.5 if (n, tid, k) in built.y else False
                          for k in periods)
            shares = []
            for k in periods:
                total = sum(personnel(m, k) for m in built.nations_by_tk.get((tid, k), ()))
                shares.append(personnel(n, k) / total if total > 0 else 1.0)
            return (present, min(shares), sum(personnel(n, k) for k in periods), n)

        ranked = sorted(sorted(nations), key=score, reverse=True)
        keep = set(ranked[:LEAD_CANDIDATES])
        for n in nations:
            cols.append(built.lead[(n, tid)])
            lo.append(1.0 if LEAD_CANDIDATES == 1 and n in keep else 0.0)
            hi.append(1.0 if n in keep else 0.0)
    return cols, lo, hi


def extract_plan(built: Built, values: list[float], info: SolveInfo | None = None) -> Plan:
    """Solver values -> Plan: the allocations with units > 0, and each staffed task's lead."""
    allocations = []
    for (pid, tid, loc, k), col in built.x.items():
        units = int(round(values[col]))
        if units > 0:
            for period in built.blocks[k]:  # the model period stands for its whole block
                allocations.append(Allocation(period, tid, loc, pid, units))
    allocations.sort(key=lambda a: (a.period, a.task, a.location, a.pledge))
    staffed = {a.task for a in allocations}
    leads = {}
    for (n, tid), col in sorted(built.lead.items()):
        if values[col] > 0.5 and tid in staffed:
            leads[tid] = n
    return Plan(tuple(allocations), leads, info)
