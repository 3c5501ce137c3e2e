"""Lexicographic solve: Problem -> Plan.

Levels (SPEC section 2): shortfall of priority 1, 2, … 5, then cost, then the
number of contributions. Each level is minimized; its value is then held with a
row ``Σ coefs·x ≤ value + ε`` (ε below the objective's granularity, so the hold
is exact) before the next level. Each level starts from the previous level's
plan, which is feasible for it; the empty plan starts the first level, so valid
input always yields a plan. A level with no variables is settled without a
solver call.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Callable

from ..domain import Allocation, LevelResult, Plan, Problem, SolveInfo
from .backends import SolveOptions, _integer_scale, get_backend
from .build import Built, build
from .linear import Objective, Row


@dataclass(frozen=True)
class PlanOptions:
    solver: str = "highs"
    time_limit: float | None = None  # seconds for all levels together
    gap: float = 0.0  # relative gap accepted at each level
    threads: int = 1
    seed: int = 0
    formulation: str = "default"  # default | naive (the reference big-M model)

    def as_dict(self) -> dict:
        return {"solver": self.solver, "time_limit": self.time_limit, "gap": self.gap, "threads": self.threads,
                "seed": self.seed, "formulation": self.formulation}


Event = Callable[[str, dict], None]


def _granularity(obj: Objective) -> float:
    """The step between distinct objective values with integer variables: 1/m."""
    return 1.0 / _integer_scale(obj.coefs)


def _relative_gap(value: float, bound: float | None) -> float | None:
    if bound is None:
        return None
    diff = max(0.0, value - bound)
    if diff <= 1e-9 * max(1.0, abs(value)):
        return 0.0
    return diff / max(abs(value), 1e-9)


def solve_problem(problem: Problem, options: PlanOptions = PlanOptions(), on_event: Event | None = None,
                  built: Built | None = None, reference: Plan | None = None) -> Plan:
    """Solve every level in order and return the plan with its solve log.

    With a ``reference`` plan (a what-if's baseline), a last level ``changes``
    then moves as few units as possible relative to it, holding every level.
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
    current = [0.0] * model.num_vars  # the empty plan: admissible for every rule
    levels: list[LevelResult] = []
    n_levels = len(built.objectives)
    for i, obj in enumerate(built.objectives, start=1):
        emit("level_start", {"index": i, "of": n_levels, "name": obj.name})
        elapsed = time.perf_counter() - t_start
        remaining = None if options.time_limit is None else max(0.0, options.time_limit - elapsed)
        start_value = sum(current[c] * v for c, v in zip(obj.cols, obj.coefs))
        step = _granularity(obj) if obj.cols else 1.0
        if obj.empty:
            lr = LevelResult(obj.name, "optimal", obj.constant, obj.constant, 0.0, 0.0)
        elif remaining is not None and remaining <= 0:
            lr = LevelResult(obj.name, "not_solved", obj.constant + start_value, None, None, 0.0)
        else:
            opts = SolveOptions(time_limit=remaining, gap=options.gap, abs_gap=0.999 * step,
                                threads=options.threads, seed=options.seed)
            res = session.solve(obj, opts, start=current)
            if res.has_solution and res.objective <= start_value + 0.5 * step:
                current = res.values
                value = res.objective
            else:  # no better plan found in time: keep the previous level's plan
                value = start_value
            status = res.status if res.has_solution else ("not_solved" if res.status == "no_solution" else res.status)
            if status == "optimal" and value > (res.objective or value) + 0.5 * step:
                status = "feasible"
            bound = None if res.bound is None else obj.constant + min(res.bound, value)
            if status == "optimal":
                bound = obj.constant + value
            total = obj.constant + value
            lr = LevelResult(obj.name, status, total, bound, _relative_gap(total, bound), res.seconds)
        levels.append(lr)
        emit("level_done", {"index": i, "of": n_levels, "level": lr})
        if not obj.empty:
            value = sum(current[c] * v for c, v in zip(obj.cols, obj.coefs))
            hold = Row(f"hold[level={obj.name}]", list(obj.cols), list(obj.coefs), float("-inf"),
                       value + 0.5 * step)
            session.add_row(hold)
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
