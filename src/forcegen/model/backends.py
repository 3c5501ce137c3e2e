"""Solver backends behind one small interface.

A backend has a ``name``, says whether it is ``available()``, reports its
``version()`` and opens a ``Session`` on a ``LinearModel``. A session solves
the model for one objective at a time under ``SolveOptions``, accepts extra
rows (the lexicographic "hold" rows) and a warm start. Solvers are imported
lazily so that ``validate`` and ``template`` start fast.

  highs  HiGHS through highspy, from arrays (default)
  cbc    COIN-OR CBC through PuLP
  cpsat  OR-Tools CP-SAT (integer coefficients: rows are scaled to integers)
"""

from __future__ import annotations

import math
import os
import sys
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Callable

from ..errors import SolverError, UsageError
from .linear import INF, LinearModel, Objective, Row


@dataclass(frozen=True)
class SolveOptions:
    time_limit: float | None = None  # seconds for this solve
    gap: float = 0.0  # relative MIP gap
    abs_gap: float = 1e-6  # absolute gap that proves optimality (below the objective's granularity)
    threads: int = 1
    seed: int = 0
    # called now and then during a solve with (incumbent, bound), either None when unknown,
    # without the objective's constant; backends that cannot report progress ignore it
    progress: Callable[[float | None, float | None], None] | None = field(default=None, compare=False, repr=False)
    # stop at the first plan whose objective is at most this (HiGHS; others solve on to the end)
    good_enough: float | None = None


PROGRESS_EVERY = 1.0  # seconds between two progress reports of one solve


@dataclass
class Result:
    status: str  # optimal | feasible | infeasible | no_solution | error
    values: list[float] | None
    objective: float | None  # without the objective's constant
    bound: float | None
    seconds: float
    message: str = ""

    @property
    def has_solution(self) -> bool:
        return self.values is not None and self.status in ("optimal", "feasible")


class Session:
    def solve(self, objective: Objective, options: SolveOptions, start: list[float] | None = None) -> Result:
        raise NotImplementedError

    def add_row(self, row: Row) -> None:
        raise NotImplementedError


class Backend:
    name = ""
    description = ""

    def available(self) -> bool:
        raise NotImplementedError

    def version(self) -> str:
        raise NotImplementedError

    def open(self, model: LinearModel) -> Session:
        raise NotImplementedError


@contextmanager
def stdout_to_stderr():
    """Send file descriptor 1 to stderr meanwhile: solver banners never reach stdout (``--json``)."""
    try:
        fd = sys.stdout.fileno()
    except (AttributeError, ValueError, OSError):  # no real stdout (e.g. a test runner): nothing to protect
        yield
        return
    sys.stdout.flush()
    saved = os.dup(fd)
    try:
        os.dup2(sys.stderr.fileno() if _has_fd(sys.stderr) else os.open(os.devnull, os.O_WRONLY), fd)
        yield
    finally:
        os.dup2(saved, fd)
        os.close(saved)


def _has_fd(stream) -> bool:
    try:
        stream.fileno()
    except (AttributeError, ValueError, OSError):
        return False
    return True


def _new_highs():
    import highspy

    with stdout_to_stderr():
        h = highspy.Highs()
        h.setOptionValue("output_flag", False)
    return h


def _round_values(model: LinearModel, values) -> list[float]:
    return [float(round(v)) if model.integer[i] else float(v) for i, v in enumerate(values)]


# ---------------------------------------------------------------- HiGHS
class HighsBackend(Backend):
    name = "highs"
    description = "HiGHS through highspy (default)"

    def available(self) -> bool:
        try:
            import highspy  # noqa: F401
        except ImportError:
            return False
        return True

    def version(self) -> str:
        h = _new_highs()
        try:
            return f"{h.versionMajor()}.{h.versionMinor()}.{h.versionPatch()}"
        except AttributeError:  # pragma: no cover - older highspy
            import highspy

            return getattr(highspy, "__version__", "unknown")

    def open(self, model: LinearModel) -> Session:
        return _HighsSession(model)


class _HighsSession(Session):
    def __init__(self, model: LinearModel):
        import highspy
        import numpy as np

        self.model = model
        self.np = np
        h = _new_highs()
        n = model.num_vars
        inf = highspy.kHighsInf
        lb = np.array(model.lb, dtype=float)
        ub = np.array([min(u, inf) for u in model.ub], dtype=float)
        h.addVars(n, lb, ub)
        integ = [i for i in range(n) if model.integer[i]]
        if integ:
            h.changeColsIntegrality(len(integ), np.array(integ, dtype=np.int32),
                                    np.array([highspy.HighsVarType.kInteger] * len(integ)))
        self.h = h
        self.inf = inf
        for r in model.rows:
            self.add_row(r)

    def add_row(self, row: Row) -> None:
        np = self.np
        lo = -self.inf if row.lo == -INF else row.lo
        hi = self.inf if row.hi == INF else row.hi
        self.h.addRow(lo, hi, len(row.cols), np.array(row.cols, dtype=np.int32), np.array(row.coefs, dtype=float))

    def solve(self, objective: Objective, options: SolveOptions, start: list[float] | None = None) -> Result:
        import highspy

        np = self.np
        h = self.h
        n = self.model.num_vars
        cost = np.zeros(n)
        for c, v in zip(objective.cols, objective.coefs):
            cost[c] += v
        h.changeColsCost(n, np.arange(n, dtype=np.int32), cost)
        h.changeObjectiveSense(highspy.ObjSense.kMinimize)
        h.setOptionValue("time_limit", float(options.time_limit) if options.time_limit else self.inf)
        h.setOptionValue("mip_rel_gap", float(options.gap))
        h.setOptionValue("mip_abs_gap", float(options.abs_gap))
        h.setOptionValue("random_seed", int(options.seed))
        h.setOptionValue("threads", max(1, int(options.threads)))  # process-wide, fixed at the first solve
        if options.good_enough is not None:  # only plans at least this good, and the first one will do
            h.setOptionValue("objective_bound", float(options.good_enough) + 1e-6 * max(1.0, abs(options.good_enough)))
            h.setOptionValue("mip_max_improving_sols", 1)
        else:
            h.setOptionValue("objective_bound", self.inf)
            h.setOptionValue("mip_max_improving_sols", 2147483647)
        if start is not None:
            sol = highspy.HighsSolution()
            sol.col_value = list(start)
            sol.value_valid = True
            h.setSolution(sol)
        t0 = time.perf_counter()
        watcher = self._watch(options.progress)
        try:
            with stdout_to_stderr():
                h.run()
        finally:
            if watcher is not None:
                h.cbMipInterrupt.unsubscribe(watcher)
        status, info = h.getModelStatus(), h.getInfo()
        if start is not None and info.primal_solution_status == 2 and not self._consistent(objective, info):
            # HiGHS 1.16 can report a better objective than the solution it hands back
            # (it returns the unimproved MIP start); solve again without the start
            with stdout_to_stderr():
                h.clearSolver()
                h.run()
            status, info = h.getModelStatus(), h.getInfo()
        seconds = time.perf_counter() - t0
        has = info.primal_solution_status == 2  # kSolutionStatusFeasible
        MS = highspy.HighsModelStatus
        if status == MS.kOptimal:
            st = "optimal"
        elif status == MS.kInfeasible:
            st = "infeasible"
        elif has:
            st = "feasible"
        else:
            st = "no_solution"
        values = _round_values(self.model, h.getSolution().col_value) if has else None
        objective_value = objective.value(values) if values else None
        bound = info.mip_dual_bound if self.model.integer and any(self.model.integer) else objective_value
        if bound is not None and not math.isfinite(bound):
            bound = None
        if st == "optimal" and bound is None:
            bound = objective_value
        return Result(st, values, objective_value, bound, seconds, h.modelStatusToString(status))

    def _watch(self, progress):
        """Report (incumbent, bound) to ``progress`` at most every PROGRESS_EVERY seconds of a MIP solve."""
        if progress is None or not any(self.model.integer):
            return None
        last = [time.perf_counter()]

        def watcher(event) -> None:
            now = time.perf_counter()
            if now - last[0] < PROGRESS_EVERY:
                return
            last[0] = now
            out = event.data_out
            incumbent = out.objective_function_value
            bound = out.mip_dual_bound
            progress(incumbent if math.isfinite(incumbent) else None, bound if math.isfinite(bound) else None)

        self.h.cbMipInterrupt.subscribe(watcher)
        return watcher

    def _consistent(self, objective: Objective, info) -> bool:
        values = self.h.getSolution().col_value
        mine = objective.value(values)
        return abs(mine - info.objective_function_value) <= 1e-6 * max(1.0, abs(mine))

    def set_col_bounds(self, cols: list[int], lo: list[float], hi: list[float]) -> None:
        np = self.np
        self.h.changeColsBounds(len(cols), np.array(cols, dtype=np.int32), np.array(lo, dtype=float),
                                np.array([min(v, self.inf) for v in hi], dtype=float))

    def set_row_bounds(self, rows: list[int], lo: list[float], hi: list[float]) -> None:
        np = self.np
        self.h.changeRowsBounds(len(rows), np.array(rows, dtype=np.int32),
                                np.array([-self.inf if v == -INF else v for v in lo], dtype=float),
                                np.array([self.inf if v == INF else v for v in hi], dtype=float))


# ---------------------------------------------------------------- CBC (PuLP)
class CbcBackend(Backend):
    name = "cbc"
    description = "COIN-OR CBC through PuLP"

    def available(self) -> bool:
        try:
            import pulp
        except ImportError:
            return False
        return bool(pulp.PULP_CBC_CMD(msg=False).available())

    def version(self) -> str:
        import pulp

        return f"PuLP {pulp.__version__} / CBC"

    def open(self, model: LinearModel) -> Session:
        return _CbcSession(model)


class _CbcSession(Session):
    def __init__(self, model: LinearModel):
        import pulp

        self.pulp = pulp
        self.model = model
        self.prob = pulp.LpProblem("forcegen", pulp.LpMinimize)
        # PuLP ≥ 3.3 attaches variables to the problem; older releases construct them directly
        make = getattr(self.prob, "add_variable", None) or pulp.LpVariable
        self.vars = [
            make(f"v{i}", lowBound=model.lb[i], upBound=None if model.ub[i] == INF else model.ub[i],
                 cat=pulp.LpInteger if model.integer[i] else pulp.LpContinuous)
            for i in range(model.num_vars)
        ]
        self._nrows = 0
        for r in model.rows:
            self.add_row(r)

    def add_row(self, row: Row) -> None:
        pulp = self.pulp
        expr = pulp.LpAffineExpression([(self.vars[c], v) for c, v in zip(row.cols, row.coefs)])
        self._nrows += 1
        name = f"r{self._nrows}"
        if row.lo == row.hi:
            self.prob += pulp.LpConstraint(expr, pulp.LpConstraintEQ, name + "e", row.hi)
            return
        if row.hi != INF:
            self.prob += pulp.LpConstraint(expr, pulp.LpConstraintLE, name + "u", row.hi)
        if row.lo != -INF:
            self.prob += pulp.LpConstraint(expr, pulp.LpConstraintGE, name + "l", row.lo)

    def solve(self, objective: Objective, options: SolveOptions, start: list[float] | None = None) -> Result:
        pulp = self.pulp
        self.prob.setObjective(pulp.LpAffineExpression([(self.vars[c], v) for c, v in zip(objective.cols,
                                                                                           objective.coefs)]))
        if start is not None:
            for var, val in zip(self.vars, start):
                var.setInitialValue(val)
        solver = pulp.PULP_CBC_CMD(
            msg=False,
            timeLimit=options.time_limit,
            gapRel=options.gap,
            threads=options.threads,
            warmStart=start is not None,
            options=[f"randomCbcSeed {options.seed + 1}", "randomSeed 1"],
        )
        t0 = time.perf_counter()
        watchdog = _Watchdog(options.time_limit)
        try:
            with watchdog:
                self.prob.solve(solver)
        except pulp.PulpSolverError as exc:
            return Result("error", None, None, None, time.perf_counter() - t0, str(exc))
        seconds = time.perf_counter() - t0
        if watchdog.fired:
            return Result("no_solution", None, None, None, seconds, "CBC stopped by the time-limit watchdog")
        # PuLP says "Optimal" after a time-limited stop; only sol_status tells (SOLVERS.md)
        sol = self.prob.sol_status
        if sol == pulp.LpSolutionOptimal:
            st = "optimal"
        elif sol == pulp.LpSolutionIntegerFeasible:
            st = "feasible"
        elif sol == pulp.LpSolutionInfeasible:
            st = "infeasible"
        else:
            st = "no_solution"
        values = None
        if st in ("optimal", "feasible"):
            raw = [v.varValue if v.varValue is not None else 0.0 for v in self.vars]
            if any(self.model.integer[i] and abs(x - round(x)) > 1e-5 for i, x in enumerate(raw)):
                return Result("no_solution", None, None, None, seconds, "CBC returned a fractional solution")
            values = _round_values(self.model, raw)
        obj = objective.value(values) if values else None
        return Result(st, values, obj, obj if st == "optimal" else None, seconds, pulp.LpStatus[self.prob.status])


class _Watchdog:
    """A hard wall-clock limit for CBC, which does not always honour its own (SOLVERS.md).

    When the limit plus a grace period passes, the CBC processes started by this
    process are killed; PuLP then finds no solution and the level keeps the
    previous level's plan. Linux only (reads /proc); elsewhere it does nothing.
    """

    def __init__(self, limit: float | None):
        self.limit = limit
        self.fired = False
        self.timer = None

    def __enter__(self):
        if self.limit:
            import threading

            self.timer = threading.Timer(self.limit * 1.2 + 2.0, self._kill)
            self.timer.daemon = True
            self.timer.start()
        return self

    def __exit__(self, *exc):
        if self.timer is not None:
            self.timer.cancel()
        return False

    def _kill(self) -> None:
        import signal

        me = os.getpid()
        try:
            pids = [int(d) for d in os.listdir("/proc") if d.isdigit()]
        except OSError:
            return
        for pid in pids:
            try:
                with open(f"/proc/{pid}/stat", "rb") as f:
                    stat = f.read().decode(errors="replace")
                name = stat[stat.index("(") + 1: stat.rindex(")")]
                ppid = int(stat[stat.rindex(")") + 2:].split()[1])
            except (OSError, ValueError, IndexError):
                continue
            if ppid == me and "cbc" in name.lower():
                try:
                    os.kill(pid, signal.SIGKILL)
                    self.fired = True
                except OSError:
                    pass


# ---------------------------------------------------------------- CP-SAT
def _integer_scale(values, limit: int = 10**6) -> int:
    """Smallest power of ten m ≤ limit with every value·m integral (within 1e-9), else ``limit``."""
    m = 1
    while m <= limit:
        if all(abs(v * m - round(v * m)) <= 1e-9 * max(1.0, abs(v * m)) for v in values):
            return m
        m *= 10
    return limit


class CpSatBackend(Backend):
    name = "cpsat"
    description = "OR-Tools CP-SAT (2 workers by default)"

    def available(self) -> bool:
        try:
            from ortools.sat.python import cp_model  # noqa: F401
        except ImportError:
            return False
        return True

    def version(self) -> str:
        import ortools

        return f"OR-Tools {ortools.__version__} CP-SAT"

    def open(self, model: LinearModel) -> Session:
        return _CpSatSession(model)


class _CpSatSession(Session):
    def __init__(self, model: LinearModel):
        from ortools.sat.python import cp_model

        self.cp_model = cp_model
        self.model = model
        self.cp = cp_model.CpModel()
        self.vars = []
        for i in range(model.num_vars):
            lb, ub = model.lb[i], model.ub[i]
            if ub == INF:
                ub = 2**40
            self.vars.append(self.cp.NewIntVar(math.ceil(lb - 1e-9), math.floor(ub + 1e-9), f"v{i}"))
        for r in model.rows:
            self.add_row(r)

    def add_row(self, row: Row) -> None:
        m = _integer_scale(row.coefs)
        coefs = [round(v * m) for v in row.coefs]
        expr = sum(c * self.vars[i] for i, c in zip(row.cols, coefs))
        # the left side is integral, so bounds can be rounded inwards
        if row.lo != -INF:
            self.cp.Add(expr >= math.ceil(row.lo * m - 1e-7))
        if row.hi != INF:
            self.cp.Add(expr <= math.floor(row.hi * m + 1e-7))

    def solve(self, objective: Objective, options: SolveOptions, start: list[float] | None = None) -> Result:
        cp_model = self.cp_model
        m = _integer_scale(objective.coefs)
        coefs = [round(v * m) for v in objective.coefs]
        self.cp.Minimize(sum(c * self.vars[i] for i, c in zip(objective.cols, coefs)))
        self.cp.ClearHints()
        if start is not None:
            for var, val in zip(self.vars, start):
                self.cp.AddHint(var, int(round(val)))
        solver = cp_model.CpSolver()
        if options.time_limit:
            solver.parameters.max_time_in_seconds = float(options.time_limit)
        solver.parameters.relative_gap_limit = float(options.gap)
        solver.parameters.num_workers = max(1, int(options.threads))
        solver.parameters.random_seed = int(options.seed)
        solver.parameters.absolute_gap_limit = max(0.0, options.abs_gap * m)
        if solver.parameters.num_workers > 1:
            solver.parameters.interleave_search = True  # deterministic with several workers
        t0 = time.perf_counter()
        code = solver.Solve(self.cp)
        seconds = time.perf_counter() - t0
        if code == cp_model.OPTIMAL:
            st = "optimal"
        elif code == cp_model.FEASIBLE:
            st = "feasible"
        elif code == cp_model.INFEASIBLE:
            st = "infeasible"
        else:
            st = "no_solution"
        values = None
        obj = bound = None
        if st in ("optimal", "feasible"):
            values = [float(solver.Value(v)) for v in self.vars]
            obj = objective.value(values)
            bound = obj if st == "optimal" else solver.BestObjectiveBound() / m
        return Result(st, values, obj, bound, seconds, solver.StatusName(code))


BACKENDS: dict[str, Backend] = {b.name: b for b in (HighsBackend(), CbcBackend(), CpSatBackend())}


def get_backend(name: str) -> Backend:
    key = (name or "").strip().lower()
    if key not in BACKENDS:
        raise UsageError(f"unknown solver {name!r}; available: {', '.join(available_backends())}")
    backend = BACKENDS[key]
    if not backend.available():
        raise SolverError(f"solver {key} is not installed; available: {', '.join(available_backends())}")
    return backend


def available_backends() -> list[str]:
    return [n for n, b in BACKENDS.items() if b.available()]


__all__ = ["Backend", "Result", "SolveOptions", "Session", "BACKENDS", "get_backend", "available_backends"]
